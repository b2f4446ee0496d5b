package privacy

import (
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A named host is a recipient of its own: "host:<institution id>". The
// person chooses it on the application page (host.Share), before the
// nomination sends the dossier; /account shows and revokes it like the
// others, and the dossier shows a health document only while it stands.

const hostPrefix = "host:"

// HostRecipient is the recipient that is host institution inst.
func HostRecipient(inst int64) Recipient {
	return Recipient(hostPrefix + strconv.FormatInt(inst, 10))
}

// Host is the institution of a host recipient; ok is false for the others.
func (r Recipient) Host() (inst int64, ok bool) {
	v, found := strings.CutPrefix(string(r), hostPrefix)
	if !found {
		return 0, false
	}
	inst, err := strconv.ParseInt(v, 10, 64)
	return inst, err == nil && inst > 0
}

// recipientsOf are the recipients a chain's consents are shown for: the
// reviewers and the office always, then each host it was shared with.
func recipientsOf(chain int64, rows []consent) []Recipient {
	out := append([]Recipient(nil), Recipients...)
	for _, r := range rows {
		if _, ok := r.Recipient.Host(); ok && r.ChainID == chain && !containsRecipient(out, r.Recipient) {
			out = append(out, r.Recipient)
		}
	}
	return out
}

func containsRecipient(list []Recipient, r Recipient) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

func institutionName(tx *gorm.DB, inst int64) (string, error) {
	var name string
	err := tx.Raw("SELECT name_en FROM institutions WHERE id = ?", inst).Scan(&name).Error
	return name, err
}

// ShareWithHosts makes owner's consents to host institutions insts follow
// what they share through their applications (host_consents): a health
// chain shared with a host by any of their applications is a consent given
// to that host, one shared no longer is revoked. It runs in the caller's
// transaction tx, after the sharing changed; noticeVersion is the health
// notice the person acknowledged ("" when none: the sharing form's own
// wording then stands for it).
func ShareWithHosts(tx *gorm.DB, owner int64, insts []int64, now time.Time, noticeVersion string) error {
	if noticeVersion == "" {
		noticeVersion = "host-share"
	}
	var chains []int64
	if err := tx.Table("documents").Where("owner_id = ? AND type IN ? AND deleted_at IS NULL", owner, HealthTypes).
		Distinct().Pluck("chain_id", &chains).Error; err != nil {
		return err
	}
	for _, inst := range insts {
		r := HostRecipient(inst)
		for _, ch := range chains {
			var shared, live int64
			if err := tx.Table("host_consents hc").Joins("JOIN applications a ON a.id = hc.application_id").
				Where("a.applicant_id = ? AND hc.document_chain = ? AND hc.institution_id = ?", owner, ch, inst).
				Count(&shared).Error; err != nil {
				return err
			}
			if err := tx.Model(&consent{}).Where("chain_id = ? AND recipient = ? AND revoked_at IS NULL", ch, r).Count(&live).Error; err != nil {
				return err
			}
			switch {
			case shared > 0 && live == 0:
				if err := tx.Create(&consent{PersonID: owner, ChainID: ch, Recipient: r, NoticeVersion: noticeVersion, GrantedAt: now}).Error; err != nil {
					return err
				}
			case shared == 0 && live > 0:
				if err := tx.Model(&consent{}).Where("chain_id = ? AND recipient = ? AND revoked_at IS NULL", ch, r).
					Update("revoked_at", now).Error; err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// HostNoticeVersion is the health notice version owner acknowledged, ""
// when none, for ShareWithHosts.
func HostNoticeVersion(tx *gorm.DB, owner int64) (string, error) {
	var n int64
	err := tx.Model(&noticeAck{}).Where("user_id = ? AND notice = ? AND version = ?", owner, HealthNotice.Kind, HealthNotice.Version).Count(&n).Error
	if err != nil || n == 0 {
		return "", err
	}
	return HealthNotice.Version, nil
}

// HostMay reports whether host institution inst may see document chain of
// type typ: any document that is not a health one (the sharing decides),
// a health one only while its consent to that host stands.
func HostMay(tx *gorm.DB, chain int64, typ string, inst int64) (bool, error) {
	if !IsHealth(typ) {
		return true, nil
	}
	var live int64
	err := tx.Model(&consent{}).Where("chain_id = ? AND recipient = ? AND revoked_at IS NULL", chain, HostRecipient(inst)).Count(&live).Error
	return live > 0, err
}
