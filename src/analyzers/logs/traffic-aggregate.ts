/**
 * The traffic of one piece of a log (a whole file, or a byte range of it read by a worker thread): statement
 * shapes, and transactions and requests followed per session. A piece after the first starts in sessions whose
 * state it does not know (a transaction begun, a request under way before its first byte): for each session it
 * keeps the statements up to the point where the state no longer depends on what came before (the session's
 * first BEGIN for transactions; its first statement without a route for requests) as `heads`, and follows the
 * session itself after that. Pieces are merged in order (`mergePieces`): a piece's heads are played on the
 * state the earlier pieces left, then its sessions' state (`tails`) replaces it. The result is the same as one
 * pass over the whole file.
 *
 * Everything a piece returns is plain data (structured-cloneable), to come back from a worker thread.
 */
import { ownCopy } from '../own-copy.ts';
import type { ParsedStatement, StatementKind, StatementParser } from '../sql/extract-tables.ts';
import { splitTags } from '../sql/sql-tags.ts';
import type { LoggedStatement, SqlTags, StatementShape, UnparsedStatement } from '../types.ts';

/** What the session machines need of a statement's tables. */
export interface Access {
  tables: readonly string[];
  written: readonly string[];
}

interface OpenTransaction {
  tables: Set<string>;
  written: Set<string>;
}

/**
 * Statements of a session outside BEGIN..COMMIT that carry a transaction id (vxid, else a non-zero xid): the
 * logs may leave BEGIN out (log_statement = mod, a duration threshold), so statements sharing the id are one
 * transaction. Most are alone (autocommit): the first is kept as it is and a set is only built for a second.
 */
interface ImplicitTransaction {
  id: string;
  first: Access;
  calls: number;
  tx?: OpenTransaction;
}

interface OpenRequest {
  route: string;
  module?: string;
  tables: Set<string>;
  written: Set<string>;
}

/** A statement's part in its session's transactions (`tx`) and requests (`req`), kept until the state is known. */
export interface HeadEvent {
  tx?: { kind: StatementKind; access: Access; id?: string; calls: number };
  req?: { route?: string; module?: string; access: Access };
}

/** A session's state at the end of a piece, for the machines the piece followed. */
export interface TailState {
  tx?: { open?: { tables: string[]; written: string[] }; implicit?: { id: string; first: Access; calls: number; tx?: { tables: string[]; written: string[] } } };
  req?: { open?: { route: string; module?: string; tables: string[]; written: string[] } };
}

export interface PieceResult {
  statements: number;
  shapes: StatementShape[];
  transactions: [key: string, tables: string[], written: string[], count: number][];
  requests: [route: string, module: string | undefined, tables: string[], written: string[], count: number][];
  unparsed: { count: number; examples: UnparsedStatement[] };
  heads: [session: string, events: HeadEvent[]][];
  tails: [session: string, state: TailState][];
}

const EXAMPLE_LENGTH = 300;
const NO_TAGS: Readonly<SqlTags> = Object.freeze({});
const sorted = (s: Set<string>) => [...s].sort();

/** Transactions and requests counted so far: sums and unions, so pieces add up in any grouping. */
export class TrafficCounts {
  readonly transactions = new Map<string, { tables: readonly string[]; written: Set<string>; count: number }>();
  readonly requests = new Map<string, { module?: string; tables: Set<string>; written: Set<string>; count: number }>();
  private readonly singleKeys = new Map<Access, string>();

  countTransaction(key: string, tables: readonly string[], written: Iterable<string>, count: number): void {
    let shape = this.transactions.get(key);
    if (!shape) this.transactions.set(key, (shape = { tables, written: new Set(), count: 0 }));
    for (const t of written) shape.written.add(t);
    shape.count += count;
  }

  addTransaction(t: OpenTransaction): void {
    if (t.tables.size === 0) return;
    const tables = sorted(t.tables);
    this.countTransaction(tables.join(','), tables, t.written, 1);
  }

  /** A statement outside BEGIN..COMMIT is a transaction of its own: its key is computed once per shape. */
  addSingle(access: Access, count: number): void {
    let key = this.singleKeys.get(access);
    if (key === undefined) this.singleKeys.set(access, (key = access.tables.join(',')));
    this.countTransaction(key, access.tables, access.written, count);
  }

  countRequest(route: string, module: string | undefined, tables: Iterable<string>, written: Iterable<string>, count: number): void {
    let shape = this.requests.get(route);
    if (!shape) this.requests.set(route, (shape = { module, tables: new Set(), written: new Set(), count: 0 }));
    for (const t of tables) shape.tables.add(t);
    for (const t of written) shape.written.add(t);
    shape.count += count;
  }

  addRequest(r: OpenRequest): void {
    this.countRequest(r.route, r.module, r.tables, r.written, 1);
  }

  addPiece(piece: PieceResult): void {
    for (const [key, tables, written, count] of piece.transactions) this.countTransaction(key, tables, written, count);
    for (const [route, module, tables, written, count] of piece.requests) this.countRequest(route, module, tables, written, count);
  }
}

/** The open transactions and requests of each session, and what a statement does to them. */
export class SessionStates {
  private readonly openTx = new Map<string, OpenTransaction>();
  private readonly implicit = new Map<string, ImplicitTransaction>();
  private readonly openReq = new Map<string, OpenRequest>();

  constructor(private readonly counts: TrafficCounts) {}

  /** Requests: consecutive statements of a session carrying the same route tag. */
  request(session: string, route: string | undefined, module: string | undefined, access: Access): void {
    const current = this.openReq.get(session);
    if (current && current.route !== route) {
      this.counts.addRequest(current);
      this.openReq.delete(session);
    }
    if (!route || access.tables.length === 0) return;
    let r = this.openReq.get(session);
    if (!r) this.openReq.set(ownCopy(session), (r = { route: ownCopy(route), module: module === undefined ? undefined : ownCopy(module), tables: new Set(), written: new Set() }));
    for (const t of access.tables) r.tables.add(t);
    for (const t of access.written) r.written.add(t);
  }

  /**
   * Transactions: BEGIN..COMMIT/ROLLBACK; outside, statements sharing a transaction id (`id`), else each statement
   * is its own transaction.
   */
  transaction(session: string, kind: StatementKind, access: Access, id: string | undefined, calls: number): void {
    if (kind === 'begin') {
      this.closeImplicit(session);
      const previous = this.openTx.get(session);
      if (previous) this.counts.addTransaction(previous);
      this.openTx.set(previous ? session : ownCopy(session), { tables: new Set(), written: new Set() });
      return;
    }
    if (kind === 'commit' || kind === 'rollback') {
      const tx = this.openTx.get(session);
      if (tx) this.counts.addTransaction(tx);
      this.openTx.delete(session);
      return;
    }
    if (access.tables.length === 0) return;
    const tx = this.openTx.get(session);
    if (tx) {
      for (const t of access.tables) tx.tables.add(t);
      for (const t of access.written) tx.written.add(t);
    } else if (id) this.implicitStatement(session, access, id, calls);
    else this.counts.addSingle(access, calls);
  }

  private implicitStatement(session: string, access: Access, id: string, calls: number): void {
    const pending = this.implicit.get(session);
    if (pending && pending.id === id) {
      pending.tx ??= { tables: new Set(pending.first.tables), written: new Set(pending.first.written) };
      for (const t of access.tables) pending.tx.tables.add(t);
      for (const t of access.written) pending.tx.written.add(t);
    } else if (pending) {
      // The session's previous transaction ended: count it, and reuse its entry (its key is already a copy).
      this.countImplicit(pending);
      pending.id = id;
      pending.first = access;
      pending.calls = calls;
      pending.tx = undefined;
    } else {
      this.implicit.set(ownCopy(session), { id, first: access, calls });
    }
  }

  private countImplicit(t: ImplicitTransaction): void {
    if (t.tx) this.counts.addTransaction(t.tx);
    else this.counts.addSingle(t.first, t.calls);
  }

  private closeImplicit(session: string): void {
    const pending = this.implicit.get(session);
    if (!pending) return;
    this.implicit.delete(session);
    this.countImplicit(pending);
  }

  /** The end of the log: what is still open is counted. */
  closeAll(): void {
    for (const t of this.openTx.values()) this.counts.addTransaction(t);
    for (const t of this.implicit.values()) this.countImplicit(t);
    for (const r of this.openReq.values()) this.counts.addRequest(r);
    this.openTx.clear();
    this.implicit.clear();
    this.openReq.clear();
  }

  play(session: string, e: HeadEvent): void {
    if (e.req) this.request(session, e.req.route, e.req.module, e.req.access);
    if (e.tx) this.transaction(session, e.tx.kind, e.tx.access, e.tx.id, e.tx.calls);
  }

  tailOf(session: string, machines: { tx: boolean; req: boolean }): TailState {
    const out: TailState = {};
    if (machines.tx) {
      const open = this.openTx.get(session);
      const implicit = this.implicit.get(session);
      out.tx = {
        ...(open ? { open: { tables: [...open.tables], written: [...open.written] } } : {}),
        ...(implicit ? { implicit: { id: implicit.id, first: implicit.first, calls: implicit.calls, ...(implicit.tx ? { tx: { tables: [...implicit.tx.tables], written: [...implicit.tx.written] } } : {}) } } : {}),
      };
    }
    if (machines.req) {
      const open = this.openReq.get(session);
      out.req = open ? { open: { route: open.route, module: open.module, tables: [...open.tables], written: [...open.written] } } : {};
    }
    return out;
  }

  /** A later piece's state of the session replaces what the earlier ones left, for the machines it followed. */
  setTail(session: string, tail: TailState): void {
    const sets = (x: { tables: string[]; written: string[] }) => ({ tables: new Set(x.tables), written: new Set(x.written) });
    if (tail.tx) {
      this.openTx.delete(session);
      this.implicit.delete(session);
      if (tail.tx.open) this.openTx.set(session, sets(tail.tx.open));
      const i = tail.tx.implicit;
      if (i) this.implicit.set(session, { id: i.id, first: i.first, calls: i.calls, ...(i.tx ? { tx: sets(i.tx) } : {}) });
    }
    if (tail.req) {
      this.openReq.delete(session);
      const r = tail.req.open;
      if (r) this.openReq.set(session, { route: r.route, module: r.module, ...sets(r) });
    }
  }

  sessions(): Set<string> {
    return new Set([...this.openTx.keys(), ...this.implicit.keys(), ...this.openReq.keys()]);
  }
}

export interface PieceOptions {
  /** Whether the piece starts where the sessions' state is unknown (not at the start of the file). */
  midFile: boolean;
  /** pg_stat_statements exports: no transactions. */
  noTransactions?: boolean;
}

/** The traffic of one piece of a log, statement by statement. */
export class TrafficPiece {
  statements = 0;
  private readonly shapes = new Map<string, StatementShape>();
  private readonly counts = new TrafficCounts();
  private readonly states = new SessionStates(this.counts);
  private readonly unparsed: PieceResult['unparsed'] = { count: 0, examples: [] };
  /** Sessions whose transactions (requests) this piece follows itself; for the others it keeps head events. */
  private readonly txKnown = new Set<string>();
  private readonly reqKnown = new Set<string>();
  private readonly heads = new Map<string, HeadEvent[]>();

  constructor(
    private readonly parser: StatementParser,
    private readonly options: PieceOptions,
  ) {}

  add(st: LoggedStatement): void {
    this.statements += st.calls;
    const { sql, tags } = st.sql.includes('/*') ? splitTags(st.sql) : { sql: st.sql, tags: NO_TAGS };
    let parsed: ParsedStatement;
    try {
      parsed = this.parser.parse(sql);
    } catch (e) {
      this.unparsed.count += st.calls;
      if (this.unparsed.examples.length < 5) this.unparsed.examples.push({ sql: ownCopy(sql.slice(0, EXAMPLE_LENGTH)), error: (e as Error).message, source: st.source });
      return;
    }
    const session = st.session;
    const route = tags.route ?? (st.application?.includes(' /') ? st.application : undefined);
    const module = tags.module ?? tags.controller;
    const event: HeadEvent = {};
    if (session) this.request(session, route, module, parsed.access, event);
    if (parsed.access.tables.length > 0) this.countShape(parsed, sql, route, module, st);
    if (!this.options.noTransactions) {
      if (session) this.transaction(session, parsed, st.vxid ?? st.xid, st.calls, event);
      else if (parsed.access.tables.length > 0) this.counts.addSingle(parsed.access, st.calls);
    }
    if (session && (event.req || event.tx)) this.head(session).push(event);
  }

  /** The statement's part in its session's requests: followed here, or kept in `event` while the state is unknown. */
  private request(session: string, route: string | undefined, module: string | undefined, access: Access, event: HeadEvent): void {
    if (!this.options.midFile || this.reqKnown.has(session)) return this.states.request(session, route, module, access);
    event.req = { route, module, access };
    // Without a route, whatever request was open is closed: from here on the state is known.
    if (!route) this.reqKnown.add(ownCopy(session));
  }

  private transaction(session: string, parsed: ParsedStatement, id: string | undefined, calls: number, event: HeadEvent): void {
    if (!this.options.midFile || this.txKnown.has(session)) return this.states.transaction(session, parsed.kind, parsed.access, id, calls);
    const { kind, access } = parsed;
    const boundary = kind === 'begin' || kind === 'commit' || kind === 'rollback';
    if (!boundary && access.tables.length === 0) return; // does nothing to a transaction
    event.tx = { kind, access, id, calls };
    // After a BEGIN the session's transaction state is known: this piece follows it from here.
    if (kind === 'begin') {
      this.txKnown.add(ownCopy(session));
      this.states.transaction(session, kind, access, id, calls);
    }
  }

  private head(session: string): HeadEvent[] {
    let events = this.heads.get(session);
    if (!events) this.heads.set(ownCopy(session), (events = []));
    return events;
  }

  private countShape(parsed: ParsedStatement, sql: string, route: string | undefined, module: string | undefined, st: LoggedStatement): void {
    let shape = this.shapes.get(parsed.fingerprint);
    if (!shape) {
      shape = { fingerprint: parsed.fingerprint, example: ownCopy(sql.slice(0, EXAMPLE_LENGTH)), access: parsed.access, count: 0, routes: {}, modules: {}, firstSeen: st.source };
      this.shapes.set(parsed.fingerprint, shape);
    }
    shape.count += st.calls;
    if (route) shape.routes[route] = (shape.routes[route] ?? 0) + st.calls;
    if (module) shape.modules[module] = (shape.modules[module] ?? 0) + st.calls;
  }

  result(): PieceResult {
    const tails: PieceResult['tails'] = [];
    const sessions = this.options.midFile ? new Set([...this.txKnown, ...this.reqKnown]) : this.states.sessions();
    for (const s of sessions) {
      const machines = this.options.midFile ? { tx: this.txKnown.has(s), req: this.reqKnown.has(s) } : { tx: true, req: true };
      tails.push([s, this.states.tailOf(s, machines)]);
    }
    return {
      statements: this.statements,
      shapes: [...this.shapes.values()],
      transactions: [...this.counts.transactions].map(([key, t]) => [key, [...t.tables], [...t.written], t.count]),
      requests: [...this.counts.requests].map(([route, r]) => [route, r.module, [...r.tables], [...r.written], r.count]),
      unparsed: this.unparsed,
      heads: [...this.heads],
      tails,
    };
  }
}

/** One piece's result and the number of lines of the file before it. */
export interface ReadPiece {
  result: PieceResult;
  lineOffset: number;
}

/** Everything counted over the files read so far. */
export interface TrafficTotals {
  counts: TrafficCounts;
  shapes: Map<string, StatementShape>;
  unparsed: { count: number; examples: UnparsedStatement[] };
}

/**
 * The pieces of one file, in order, added to the totals: each piece's head events are played on the sessions'
 * state the pieces before it left, then its own state of those sessions replaces it; at the end of the file
 * whatever is still open is counted. Returns the statements read.
 */
export function mergePieces(pieces: readonly ReadPiece[], totals: TrafficTotals): number {
  const states = new SessionStates(totals.counts);
  let statements = 0;
  for (const { result, lineOffset } of pieces) {
    for (const [session, events] of result.heads) for (const e of events) states.play(session, e);
    totals.counts.addPiece(result);
    for (const [session, tail] of result.tails) states.setTail(session, tail);
    mergeShapes(totals.shapes, result.shapes, lineOffset);
    totals.unparsed.count += result.unparsed.count;
    for (const ex of result.unparsed.examples) {
      if (totals.unparsed.examples.length < 5) totals.unparsed.examples.push({ ...ex, source: { ...ex.source, line: ex.source.line + lineOffset } });
    }
    statements += result.statements;
  }
  states.closeAll();
  return statements;
}

function mergeShapes(shapes: Map<string, StatementShape>, add: readonly StatementShape[], lineOffset: number): void {
  for (const shape of add) {
    const known = shapes.get(shape.fingerprint);
    if (!known) {
      shapes.set(shape.fingerprint, lineOffset === 0 ? shape : { ...shape, firstSeen: { ...shape.firstSeen, line: shape.firstSeen.line + lineOffset } });
      continue;
    }
    known.count += shape.count;
    for (const [k, v] of Object.entries(shape.routes)) known.routes[k] = (known.routes[k] ?? 0) + v;
    for (const [k, v] of Object.entries(shape.modules)) known.modules[k] = (known.modules[k] ?? 0) + v;
  }
}
