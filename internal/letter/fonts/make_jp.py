from fontTools.ttLib import TTFont, TTCollection, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools import subset
import sys
ttc=TTCollection('x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc')
f=None
for i,ft in enumerate(ttc.fonts):
    n=ft['name'].getDebugName(1)
    print(i,n)
    if n=='Noto Sans CJK JP': f=ft; idx=i
f.save('jp.otf')
f=TTFont('jp.otf')
# subset: Latin, punctuation, kana, CJK symbols, full-width forms, JIS X 0208 kanji
uni=set(range(0x20,0x250))|set(range(0x2000,0x2070))|set(range(0x2100,0x2200))|set(range(0x3000,0x3100))|set(range(0x31f0,0x3200))|set(range(0xff00,0xfff0))|{0xa0}
for b in range(0xb0,0xf5):
    for c in range(0xa1,0xff):
        try: ch=bytes([b,c]).decode('euc_jp'); uni.add(ord(ch))
        except: pass
opts=subset.Options(); opts.layout_features=['*']; opts.name_IDs=['*']; opts.notdef_outline=True; opts.hinting=False
s=subset.Subsetter(opts); s.populate(unicodes=uni); s.subset(f)
print('glyphs',len(f.getGlyphOrder()))
# CFF -> TrueType glyf
go=f.getGlyphOrder(); gs=f.getGlyphSet()
glyf=newTable('glyf'); glyf.glyphOrder=go; glyf.glyphs={}
for g in go:
    pen=TTGlyphPen(gs)
    gs[g].draw(Cu2QuPen(pen,1.0,reverse_direction=True))
    glyf.glyphs[g]=pen.glyph()
f['glyf']=glyf; f['loca']=newTable('loca')
del f['CFF ']
if 'VORG' in f: del f['VORG']
f['maxp']=newTable('maxp'); m=f['maxp']; m.tableVersion=0x00010000
for a in ['maxZones','maxTwilightPoints','maxStorage','maxFunctionDefs','maxInstructionDefs','maxStackElements','maxSizeOfInstructions','maxComponentElements','maxPoints','maxContours','maxCompositePoints','maxCompositeContours','maxComponentDepth']: setattr(m,a,0)
m.maxZones=1; m.numGlyphs=len(go)
f['head'].glyphDataFormat=0; f['head'].indexToLocFormat=0
f['post'].formatType=2.0; f['post'].extraNames=[]; f['post'].mapping={}; f['post'].glyphOrder=go
f.sfntVersion='\x00\x01\x00\x00'
f.save('NotoSansJP-Regular.ttf')
print('ok')
