/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * share.pml: the FF-A memory-share life cycle of rheap's SPMC, in Promela.
 * Checked by tests/model/run_spin.sh; docs/model.md says what is abstracted.
 *
 *   VM1  normal-world lender: MEM_LEND / MEM_SHARE / MEM_DONATE of one of
 *        its pages to SP1, SP2 or both, in one or two fragments (FRAG_TX),
 *        MEM_RECLAIM of any handle value, and its own teardown.
 *   VM2  hostile normal-world endpoint (-DWITH_VM2=0 leaves it out): lends
 *        VM1's pages, retrieves, relinquishes, reclaims and sends fragments
 *        on any handle value.  Nothing it asks may succeed.
 *   SP1, SP2  secure-partition borrowers: MEM_RETRIEVE_REQ and
 *        MEM_RELINQUISH on any handle value.  A borrower that retrieves
 *        lent or donated memory writes secure data to it at once (the
 *        worst case for scrubbing).
 *   SPMC  one server: a share table of NSLOT slots with a generation per
 *        slot, the TZASC state and the "dirty" state of every page.  It
 *        serves a request in one atomic step, except a reclaim, which is
 *        four steps (commit, scrub, unprotect, reply) with the other
 *        endpoints running in between, as they would on other CPUs.
 *
 * Handles are (slot, generation) pairs encoded as slot * NGEN + gen; the
 * value NH names no slot.  Every client picks handle values from the whole
 * universe 0..NH, so stale, future, foreign and garbage handles are tried.
 *
 * The properties are checked against ghost state that the clients keep
 * from the replies they get (what the world has been told), never against
 * the SPMC's own table.  A request and its reply are one indivisible step
 * for the client, so the ghost state never lags the SPMC.  The SPMC writes
 * ghost state in one place: the commit point of a reclaim, where the share
 * stops being live before its memory is unprotected.
 *
 * Deliberately broken SPMCs, one #define each (run_spin.sh checks that
 * SPIN finds a counterexample for every one):
 *   BUG_RECLAIM_WHILE_BORROWED   reclaim does not look at the retrievers
 *   BUG_UNPROTECT_BEFORE_SCRUB   reclaim opens the firewall, then scrubs
 *   BUG_NO_GENERATION            lookups compare the slot, not the generation
 *   BUG_NO_OWNER_CHECK           reclaim does not compare caller and lender
 *   BUG_RETRIEVE_BEFORE_COMPLETE retrieve accepts a share with fragments pending
 *   BUG_TEARDOWN_FREES_HELD      teardown frees lent memory borrowers still hold
 *   BUG_TEARDOWN_LEAKS_PENDING   teardown forgets shares with fragments pending
 *   BUG_LOST_REPLY               the abort of a pending share never answers
 */

#ifndef NSLOT
#define NSLOT 2		/* share-table slots */
#endif
#ifndef NGEN
#define NGEN 2		/* generations per slot; a slot retires after the last */
#endif
#ifndef WITH_VM2
#define WITH_VM2 1
#endif
#define NPAGE 2		/* VM1's pages; the invariant below names each one */
#define NH (NSLOT * NGEN)	/* handle values 0..NH-1; NH names no slot */
#if NH != 4
#error "pick_handle and the invariant name handles 0..3: keep NSLOT * NGEN == 4"
#endif

/* Endpoints; the "from" of a request is set by the hypervisor (unforgeable). */
#define VM1 0
#define VM2 1
#define SP1 2
#define SP2 3
#define SINK 4		/* where a deferred reply goes (see spmc) */
#define BIT(ep) (1 << ((ep) - SP1))	/* receiver masks: SP1 = 1, SP2 = 2 */

mtype = {
	M_LEND, M_SHARE, M_DONATE, M_FRAG_TX, M_RETRIEVE, M_RELINQUISH,
	M_RECLAIM, M_TEARDOWN,
	R_OK, R_MORE,			/* SUCCESS; FRAG_RX: send the next fragment */
	R_INVAL, R_DENIED, R_NOMEM,	/* INVALID_PARAMETERS, DENIED, NO_MEMORY */
	R_DEFER				/* reclaim committed, reply comes later */
};

/* Share types, as in g_type and slot_t.type. */
#define T_SHARE 0
#define T_LEND 1
#define T_DONATE 2

/* Slot life cycle:
 *
 *   FREE --send, 2 fragments--> SENDING --FRAG_TX--> SENT
 *   FREE --send, 1 fragment-----------------------> SENT
 *   SENDING --reclaim by the lender (abort)--------> FREE (gen + 1)
 *   SENT (not DONATE) --reclaim by the lender, no retrievers--> RECLAIMING
 *        --scrub, unprotect, reply---------------> FREE (gen + 1)
 *   SENT --DONATE retrieved------------------------> FREE (gen + 1)
 *   SENDING --lender teardown---------------------> FREE (gen + 1)
 *   SENT --lender teardown, no retrievers---------> FREE (gen + 1)
 *   SENT --lender teardown, retrievers--> SENT, orphan --last relinquish--> FREE
 *   FREE once the last generation is used: RETIRED for ever (the model's
 *   bound on handle values; a real table has far more generations).
 */
#define S_FREE 0
#define S_SENDING 1
#define S_SENT 2
#define S_RECLAIMING 3
#define S_RETIRED 4

typedef slot_t {
	byte st;
	byte gen;
	byte type;
	byte page;
	byte rmask;	/* listed receivers */
	byte retr;	/* receivers that hold a retrieve */
	bit prot;	/* the TZASC made the page secure */
	bit dirty;	/* a borrower got write access to the secure page */
	bit orphan;	/* the lender is gone */
};
slot_t slot[NSLOT];

/* Page owners. */
#define PO_VM1 0	/* VM1's, free to share */
#define PO_TXN 1	/* in a transaction */
#define PO_SP1 2	/* donated to SP1 */
#define PO_SP2 3	/* donated to SP2 */
#define PO_QUAR 4	/* lent when its lender died: secure and accounted */
#define PO_DEAD 5	/* normal-world page of a dead VM */
byte pg_owner[NPAGE];
bit pg_secure[NPAGE];	/* TZASC: 1 = secure only, not NW-accessible */
bit pg_dirty[NPAGE];	/* secure data written and not yet scrubbed */

/* A reclaim in progress (stored: it spans steps). */
byte r_step;		/* 0 none, 1 committed, 2 first of scrub/unprotect done */
byte r_slot;
byte r_from;
byte r_h;

/* The request being served: only meaningful inside one atomic step, so
 * kept out of the state vector. */
hidden byte q_op, q_from, q_h, q_p, q_rm, q_nf, q_st, q_i, q_s;

/* Ghost state: what the clients have been told. */
bit g_issued[NH + 1];	/* a send returned this handle */
bit g_retired[NH + 1];	/* reclaimed, donated, or dead with its lender */
bit g_complete[NH + 1];	/* all fragments accepted */
byte g_type[NH + 1];
byte g_page[NH + 1];
byte g_rmask[NH + 1];
byte g_hold[NH + 1];	/* borrowers told "retrieved", not yet "relinquished" */
bit g_secure[NPAGE];	/* the page must be secure: live lend/donate, donated */
bit g_quar[NPAGE];	/* lent when the lender died: secure for ever */
bit g_torn;		/* VM1's teardown succeeded */
byte g_done;		/* endpoints that have stopped: 1 << endpoint */
#define ALL_DONE ((1 << VM1) | (WITH_VM2 << VM2) | (1 << SP1) | (1 << SP2))

#define LIVE(h) (g_issued[h] && !g_retired[h])

/* A dead handle keeps only "issued, retired": forgetting the rest keeps
 * old handles from multiplying the states. */
inline retire(h)
{
	g_retired[h] = 1; g_complete[h] = 0; g_type[h] = 0; g_page[h] = 0;
	g_rmask[h] = 0; g_hold[h] = 0
}

/* Invariants, checked after every step by the never claim "inv":
 *   P2 (R3) an NW-accessible page is never dirty;
 *   P3 (R1) the page of a live lend or donate, a donated page, and a lent
 *      page a borrower holds are secure;
 *   P6 (R4) a page lent when its lender died stays secure for ever. */
#define PAGE_OK(p) ((pg_secure[p] || !pg_dirty[p]) && \
		    (!g_secure[p] || pg_secure[p]) && \
		    (!g_quar[p] || pg_secure[p]))
#define HOLD_OK(h) (g_hold[h] == 0 || g_type[h] == T_SHARE || pg_secure[g_page[h]])
ltl inv { [] (PAGE_OK(0) && PAGE_OK(1) && HOLD_OK(0) && HOLD_OK(1) &&
	      HOLD_OK(2) && HOLD_OK(3)) }

chan req = [0] of { mtype, byte, byte, byte, byte, byte };	/* op, from, h, page, rmask, nfrag */
chan rep[5] = [0] of { mtype, byte };				/* status, handle */

/* Any handle value, garbage included. */
inline pick_handle(h)
{
	if
	:: h = 0
	:: h = 1
	:: h = 2
	:: h = 3
	:: h = NH
	fi
}

/* ---------------------------------------------------------------- SPMC */

/* The slot handle h names, or NSLOT.  The generation makes the old
 * handles of a recycled slot unknown. */
inline lookup(h)
{
	q_s = h / NGEN;
	if
	:: q_s >= NSLOT -> q_s = NSLOT
	:: else ->
		if
		:: slot[q_s].st == S_FREE || slot[q_s].st == S_RETIRED ->
			q_s = NSLOT
#ifndef BUG_NO_GENERATION
		:: slot[q_s].st != S_FREE && slot[q_s].st != S_RETIRED &&
		   slot[q_s].gen != h % NGEN -> q_s = NSLOT
#endif
		:: else -> skip
		fi
	fi
}

inline free_slot(s)
{
	if
	:: slot[s].gen + 1 < NGEN -> slot[s].gen++; slot[s].st = S_FREE
	:: else -> slot[s].st = S_RETIRED
	fi;
	slot[s].type = 0; slot[s].page = 0; slot[s].rmask = 0;
	slot[s].retr = 0; slot[s].prot = 0; slot[s].dirty = 0;
	slot[s].orphan = 0
}

inline protect(s)
{
	if
	:: slot[s].type != T_SHARE -> pg_secure[slot[s].page] = 1; slot[s].prot = 1
	:: else -> skip
	fi
}

/* A share whose lender is gone and that nobody holds: lent memory is
 * scrubbed and stays secure, accounted as quarantined; shared memory goes
 * back to the (dead) normal world. */
inline bury(s)
{
	if
	:: slot[s].prot ->
		pg_dirty[slot[s].page] = 0;
		pg_owner[slot[s].page] = PO_QUAR
	:: else -> pg_owner[slot[s].page] = PO_DEAD
	fi;
	free_slot(s)
}

inline serve_send()
{
	q_s = 0;
	do
	:: q_s < NSLOT && slot[q_s].st != S_FREE -> q_s++
	:: else -> break
	od;
	if
	:: q_from != VM1 || pg_owner[q_p] != PO_VM1 -> q_st = R_DENIED
	:: else ->
		if
		:: q_op == M_DONATE && q_rm == 3 -> q_st = R_INVAL
		:: (q_op != M_DONATE || q_rm != 3) && q_s == NSLOT -> q_st = R_NOMEM
		:: else ->
			slot[q_s].type = (q_op == M_SHARE -> T_SHARE :
					  (q_op == M_LEND -> T_LEND : T_DONATE));
			slot[q_s].page = q_p;
			slot[q_s].rmask = q_rm;
			pg_owner[q_p] = PO_TXN;
			q_h = q_s * NGEN + slot[q_s].gen;
			if
			:: q_nf == 2 -> slot[q_s].st = S_SENDING; q_st = R_MORE
			:: else -> slot[q_s].st = S_SENT; protect(q_s); q_st = R_OK
			fi
		fi
	fi
}

inline serve_frag()
{
	lookup(q_h);
	if
	:: q_s == NSLOT -> q_st = R_INVAL
	:: else ->
		if
		:: q_from != VM1 || slot[q_s].st != S_SENDING -> q_st = R_DENIED
		:: else -> slot[q_s].st = S_SENT; protect(q_s); q_st = R_OK
		fi
	fi
}

inline serve_retrieve()
{
	lookup(q_h);
	if
	:: q_s == NSLOT -> q_st = R_INVAL
	:: else ->
		if
#ifndef BUG_RETRIEVE_BEFORE_COMPLETE
		:: slot[q_s].st != S_SENT -> q_st = R_DENIED
#else
		:: slot[q_s].st == S_RECLAIMING -> q_st = R_DENIED
#endif
		:: slot[q_s].orphan -> q_st = R_DENIED
		:: q_from < SP1 -> q_st = R_DENIED
		:: q_from >= SP1 && (slot[q_s].rmask & BIT(q_from)) == 0 -> q_st = R_DENIED
		:: q_from >= SP1 && (slot[q_s].retr & BIT(q_from)) != 0 -> q_st = R_DENIED
		:: else ->
			slot[q_s].retr = slot[q_s].retr | BIT(q_from);
			if
			:: slot[q_s].type != T_SHARE -> slot[q_s].dirty = 1
			:: else -> skip
			fi;
			if
			:: slot[q_s].type == T_DONATE ->
				/* donation done: the page is the SP's */
				pg_owner[slot[q_s].page] = (q_from == SP1 -> PO_SP1 : PO_SP2);
				free_slot(q_s)
			:: else -> skip
			fi;
			q_st = R_OK
		fi
	fi
}

inline serve_relinquish()
{
	lookup(q_h);
	if
	:: q_s == NSLOT -> q_st = R_INVAL
	:: else ->
		if
		:: q_from < SP1 -> q_st = R_DENIED
		:: q_from >= SP1 && (slot[q_s].retr & BIT(q_from)) == 0 -> q_st = R_DENIED
		:: else ->
			slot[q_s].retr = slot[q_s].retr & ~BIT(q_from);
			if
			:: slot[q_s].orphan && slot[q_s].retr == 0 -> bury(q_s)
			:: else -> skip
			fi;
			q_st = R_OK
		fi
	fi
}

#ifndef BUG_NO_OWNER_CHECK
#define IS_LENDER(ep) ((ep) == VM1)
#else
#define IS_LENDER(ep) 1
#endif

/* Step 1 of a reclaim: validate and commit (R_DEFER: steps 2 to 4 follow),
 * or abort a share whose fragments are pending (nothing was protected). */
inline serve_reclaim()
{
	lookup(q_h);
	if
	:: q_s == NSLOT -> q_st = R_INVAL
	:: else ->
		if
		:: !IS_LENDER(q_from) -> q_st = R_DENIED
		:: IS_LENDER(q_from) && slot[q_s].st == S_SENDING ->
			pg_owner[slot[q_s].page] = PO_VM1;
			free_slot(q_s);
#ifndef BUG_LOST_REPLY
			q_st = R_OK
#else
			q_st = R_DEFER	/* and no reply ever follows */
#endif
		:: IS_LENDER(q_from) && slot[q_s].st != S_SENDING &&
		   slot[q_s].type == T_DONATE -> q_st = R_INVAL
		:: IS_LENDER(q_from) && slot[q_s].st != S_SENDING &&
		   slot[q_s].type != T_DONATE &&
		   (slot[q_s].orphan || slot[q_s].st != S_SENT || r_step != 0) ->
			q_st = R_DENIED
#ifndef BUG_RECLAIM_WHILE_BORROWED
		:: IS_LENDER(q_from) && slot[q_s].st == S_SENT &&
		   slot[q_s].type != T_DONATE && slot[q_s].retr != 0 -> q_st = R_DENIED
#endif
		:: else ->
			/* ghost, the commit point: the share stops being live
			 * here, and nobody may hold it (P1, R5) */
			assert(g_hold[q_h] == 0);
			g_secure[slot[q_s].page] = 0;
			slot[q_s].st = S_RECLAIMING;
			r_step = 1; r_slot = q_s; r_from = q_from; r_h = q_h;
			q_st = R_DEFER
		fi
	fi
}

inline serve_teardown()
{
	/* only the hypervisor reports VM1's death; it comes from VM1's id */
	q_i = 0;
	do
	:: q_i < NSLOT ->
		if
#ifndef BUG_TEARDOWN_LEAKS_PENDING
		:: slot[q_i].st == S_SENDING ->
			pg_owner[slot[q_i].page] = PO_DEAD;
			free_slot(q_i)
#endif
		:: slot[q_i].st == S_SENT && slot[q_i].retr == 0 -> bury(q_i)
		:: slot[q_i].st == S_SENT && slot[q_i].retr != 0 ->
#ifndef BUG_TEARDOWN_FREES_HELD
			slot[q_i].orphan = 1
#else
			pg_dirty[slot[q_i].page] = 0;
			pg_secure[slot[q_i].page] = 0;
			pg_owner[slot[q_i].page] = PO_DEAD;
			free_slot(q_i)
#endif
		:: else -> skip
		fi;
		q_i++
	:: else -> break
	od;
	q_i = 0;
	do
	:: q_i < NPAGE ->
		if
		:: pg_owner[q_i] == PO_VM1 -> pg_owner[q_i] = PO_DEAD
		:: else -> skip
		fi;
		q_i++
	:: else -> break
	od;
	q_st = R_OK
}

proctype spmc()
{
end_idle:
	do
	:: atomic {
		req?q_op, q_from, q_h, q_p, q_rm, q_nf ->
		if
		:: q_op == M_LEND || q_op == M_SHARE || q_op == M_DONATE -> serve_send()
		:: q_op == M_FRAG_TX -> serve_frag()
		:: q_op == M_RETRIEVE -> serve_retrieve()
		:: q_op == M_RELINQUISH -> serve_relinquish()
		:: q_op == M_RECLAIM -> serve_reclaim()
		:: q_op == M_TEARDOWN -> serve_teardown()
		fi;
		if
		:: q_st == R_DEFER -> q_from = SINK
		:: else -> skip
		fi;
		rep[q_from]!q_st, q_h
	}
	/* Reclaim steps 2 and 3: scrub, then open the firewall. */
	:: atomic {
		r_step == 1 ->
		if
		:: slot[r_slot].prot ->
#ifndef BUG_UNPROTECT_BEFORE_SCRUB
			pg_dirty[slot[r_slot].page] = 0
#else
			pg_secure[slot[r_slot].page] = 0
#endif
		:: else -> skip
		fi;
		r_step = 2
	}
	:: atomic {
		r_step == 2 ->
		if
		:: slot[r_slot].prot ->
#ifndef BUG_UNPROTECT_BEFORE_SCRUB
			pg_secure[slot[r_slot].page] = 0
#else
			pg_dirty[slot[r_slot].page] = 0
#endif
		:: else -> skip
		fi;
		r_step = 3
	}
	/* Step 4: the page is VM1's again, the slot is free, reply. */
	:: atomic {
		r_step == 3 ->
		pg_owner[slot[r_slot].page] = PO_VM1;
		free_slot(r_slot);
		q_from = r_from; q_h = r_h;
		r_step = 0; r_slot = 0; r_from = 0; r_h = 0;
		rep[q_from]!R_OK, q_h
	}
	od
}

/* Swallows the reply to a committed reclaim (the real one comes later). */
proctype sink()
{
end_sink:
	do
	:: rep[SINK]?_, _
	od
}

/* ------------------------------------------------------------- clients */

/* Every reply about a handle that is not live says "unknown handle". */
#define UNKNOWN_OK(h, st) (LIVE(h) || st == R_INVAL)

proctype lender()
{
	mtype op, st;
	byte h, p, rm, nf, i;

	do
	:: atomic {
		/* a new share: any type, page, receivers, 1 or 2 fragments */
		!g_torn;
		if
		:: op = M_LEND
		:: op = M_SHARE
		:: op = M_DONATE
		fi;
		if
		:: p = 0
		:: p = 1
		fi;
		if
		:: rm = 1
		:: rm = 2
		:: rm = 3
		fi;
		if
		:: nf = 1
		:: nf = 2
		fi;
		req!op, VM1, 0, p, rm, nf;
		rep[VM1]?st, h;
		if
		:: st == R_OK || st == R_MORE ->
			/* P4: a handle value is never given out twice */
			assert(h < NH && !g_issued[h]);
			g_issued[h] = 1;
			g_type[h] = (op == M_SHARE -> T_SHARE :
				     (op == M_LEND -> T_LEND : T_DONATE));
			g_page[h] = p;
			g_rmask[h] = rm;
			if
			:: st == R_OK ->
				g_complete[h] = 1;
				g_secure[p] = (op != M_SHARE)
			:: else -> skip
			fi
		:: else ->
			/* only the documented refusals */
			assert(st == R_DENIED || st == R_INVAL || st == R_NOMEM)
		fi;
		op = 0; st = 0; h = 0; p = 0; rm = 0; nf = 0
	}
	:: atomic {
		pick_handle(h);
		req!M_FRAG_TX, VM1, h, 0, 0, 0;
		rep[VM1]?st, _;
		assert(UNKNOWN_OK(h, st));
		if
		:: st == R_OK ->
			/* the last fragment of a live, pending share */
			assert(LIVE(h) && !g_complete[h]);
			g_complete[h] = 1;
			g_secure[g_page[h]] = (g_type[h] != T_SHARE)
		:: else -> skip
		fi;
		st = 0; h = 0
	}
	:: atomic {
		pick_handle(h);
		req!M_RECLAIM, VM1, h, 0, 0, 0;
		rep[VM1]?st, _;		/* after steps 2 to 4 when committed */
		assert(UNKNOWN_OK(h, st));
		if
		:: st == R_OK ->
			/* P4, P1: a live share nobody holds; a complete one
			 * is not a donation (an incomplete one is aborted) */
			assert(LIVE(h) && g_hold[h] == 0);
			assert(!g_complete[h] || g_type[h] != T_DONATE);
			/* R3: the page comes back NW-accessible and clean */
			assert(!pg_secure[g_page[h]] && !pg_dirty[g_page[h]]);
			retire(h)
		:: else -> skip
		fi;
		st = 0; h = 0
	}
	:: atomic {
		req!M_TEARDOWN, VM1, 0, 0, 0, 0;
		rep[VM1]?st, _;
		assert(st == R_OK);
		g_torn = 1;
		/* Shares nobody holds die now; held ones die with their
		 * last relinquish.  Lent memory stays secure for ever. */
		i = 0;
		do
		:: i < NH ->
			if
			:: LIVE(i) && g_complete[i] && g_type[i] != T_SHARE ->
				g_quar[g_page[i]] = 1
			:: else -> skip
			fi;
			if
			:: LIVE(i) && (g_hold[i] == 0 || !g_complete[i]) -> retire(i)
			:: else -> skip
			fi;
			i++
		:: else -> break
		od;
		st = 0; i = 0;
		g_done = g_done | (1 << VM1);
		break
	}
	:: atomic { g_done = g_done | (1 << VM1); break }	/* stops, no teardown */
	od
}

proctype borrower(byte me)
{
	mtype st;
	byte h;

	do
	:: atomic {
		pick_handle(h);
		req!M_RETRIEVE, me, h, 0, 0, 0;
		rep[me]?st, _;
		assert(UNKNOWN_OK(h, st));
		if
		:: st == R_OK ->
			/* P4, P7, P5: live, complete, listed, not held yet */
			assert(LIVE(h) && g_complete[h] && !g_torn);
			assert((g_rmask[h] & BIT(me)) != 0 && (g_hold[h] & BIT(me)) == 0);
			if
			:: g_type[h] != T_SHARE ->
				/* R1: secure data only ever goes to secure memory */
				assert(pg_secure[g_page[h]]);
				pg_dirty[g_page[h]] = 1
			:: else -> skip
			fi;
			if
			:: g_type[h] == T_DONATE ->
				/* the page is ours now, the handle is done */
				retire(h)
			:: else -> g_hold[h] = g_hold[h] | BIT(me)
			fi
		:: else -> skip
		fi;
		st = 0; h = 0
	}
	:: atomic {
		pick_handle(h);
		req!M_RELINQUISH, me, h, 0, 0, 0;
		rep[me]?st, _;
		assert(UNKNOWN_OK(h, st));
		/* a borrower can always give back what it holds */
		assert(st == R_OK || (g_hold[h] & BIT(me)) == 0);
		if
		:: st == R_OK ->
			assert(LIVE(h) && (g_hold[h] & BIT(me)) != 0);
			g_hold[h] = g_hold[h] & ~BIT(me);
			if
			:: g_torn && g_hold[h] == 0 -> retire(h)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		st = 0; h = 0
	}
	:: atomic { g_done = g_done | (1 << me); break }
	od
}

#if WITH_VM2
/* P5: VM2 owns nothing and is listed nowhere; nothing it asks succeeds. */
proctype hostile()
{
	mtype op, vm2_st;
	byte h;

	do
	:: atomic {
		if
		:: op = M_RETRIEVE
		:: op = M_RELINQUISH
		:: op = M_RECLAIM
		:: op = M_FRAG_TX
		fi;
		pick_handle(h);
		req!op, VM2, h, 0, 0, 0;
		rep[VM2]?vm2_st, _;
		assert(vm2_st == R_INVAL || vm2_st == R_DENIED);
		op = 0; vm2_st = 0; h = 0
	}
	:: atomic {
		if
		:: h = 0
		:: h = 1
		fi;
		req!M_LEND, VM2, 0, h, 1, 1;
		rep[VM2]?vm2_st, _;
		assert(vm2_st == R_DENIED);
		vm2_st = 0; h = 0
	}
	:: atomic { g_done = g_done | (1 << VM2); break }
	od
}
#endif

/* P8 (R4, R8): runs only in a state where nothing else can move.  Every
 * endpoint must have stopped of its own accord (none is stuck waiting for
 * a reply: no deadlock, also checked by pan's invalid end states when no
 * claim is compiled in), no reclaim is half done, and the books balance. */
proctype auditor()
{
	byte i, n;

	timeout ->
	atomic {
		assert(g_done == ALL_DONE && r_step == 0);
		for (i : 0 .. NPAGE - 1) {
			/* a page is in at most one transaction, and its owner says so */
			n = 0;
			for (q_s : 0 .. NSLOT - 1) {
				if
				:: slot[q_s].st != S_FREE && slot[q_s].st != S_RETIRED &&
				   slot[q_s].page == i -> n++
				:: else -> skip
				fi
			}
			assert(n == (pg_owner[i] == PO_TXN -> 1 : 0));
			if
			:: pg_owner[i] == PO_VM1 || pg_owner[i] == PO_DEAD ->
				assert(!pg_secure[i] && !pg_dirty[i])
			:: pg_owner[i] == PO_QUAR -> assert(pg_secure[i] && !pg_dirty[i])
			:: pg_owner[i] == PO_SP1 || pg_owner[i] == PO_SP2 -> assert(pg_secure[i])
			:: else -> skip
			fi
		}
		/* the live handles are exactly the slots in use */
		for (i : 0 .. NH - 1) {
			q_s = i / NGEN;
			assert(LIVE(i) == (slot[q_s].st != S_FREE &&
					   slot[q_s].st != S_RETIRED &&
					   slot[q_s].gen == i % NGEN));
			/* after the teardown, only orphans somebody holds remain */
			assert(!LIVE(i) || !g_torn || (slot[q_s].orphan && g_hold[i] != 0))
		}
		i = 0; n = 0
	}
}

init {
	atomic {
		run spmc();
#if WITH_VM2
		run hostile();	/* first: the search meets its requests early */
#endif
		run sink();
		run lender();
		run borrower(SP1);
		run borrower(SP2);
#ifndef NO_AUDIT
		run auditor()	/* -DNO_AUDIT: leave deadlocks to pan alone */
#endif
	}
}
