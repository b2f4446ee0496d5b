package notify

// An offer waiting for the student's answer is something to do, not news
// that is read once: it stays unread in the bell until it is answered,
// even when its mail and notification were opened. These count it without
// counting it twice while its notification is itself still unread.
//
// The notify package knows no workflow; the stage name and the link shape
// are the outgoing applications' ("host_accepted", "/applications/<id>"),
// which the bell test pins down.

// offersWaitingColumn counts users.id's offers waiting whose page has no
// unread notification.
const offersWaitingColumn = "(SELECT COUNT(*) FROM applications AS a WHERE a.applicant_id = users.id AND a.status = 'host_accepted'" +
	" AND NOT EXISTS (SELECT 1 FROM notifications AS n WHERE n.user_id = users.id AND n.read_at IS NULL" +
	" AND n.link = '/applications/' || CAST(a.id AS VARCHAR(20))))"

// UnreadWithOffersColumn is the bell's count as an SQL expression over
// users: unread notifications plus offers waiting for an answer.
const UnreadWithOffersColumn = "(" + UnreadColumn + " + " + offersWaitingColumn + ")"
