/**
 * The connector's own OData `$filter` support: a parser for the dialect Graph accepts on directory
 * objects, and an evaluator that applies the same filter client-side to objects from the delta
 * stream (Graph's delta accepts no such filter), with Graph's semantics.
 *
 * Deliberately independent of the emulator's filter code: the two sides of a test must not share a
 * misreading of Graph.
 *
 * Dialect (as Graph writes it):
 * - comparisons `property op literal` with op in eq ne gt ge lt le; `property in (lit, lit, ...)`;
 * - `startsWith(property, 'x')`, `endsWith(property, 'x')` (function names in any case);
 * - lambdas `collection/any(v: body)`, `collection/all(v: body)`, `collection/any()`; inside the body
 *   `v`, `v/sub/path` refer to the element, other names to the object;
 * - `collection/$count op number`;
 * - `not`, `and`, `or` (precedence not > and > or) and parentheses. `not` applies to a parenthesised
 *   expression, a function or a lambda, as in Graph (`not(x eq 'y')`, `not groupTypes/any(...)`);
 * - literals: single-quoted strings with `''` escaping, unquoted GUIDs, dates (2024-01-01),
 *   DateTimeOffsets (2024-01-01T00:00:00Z, with an optional fraction and `Z` or `±hh:mm`),
 *   numbers, true, false, null. Operators and keywords are lower-case.
 *
 * Positions are 1-based character offsets into the filter text (Graph prints them that way).
 */

/** Limits that keep hostile input from hanging the connector or overflowing the stack. */
export const FILTER_LIMITS = {
  /** Characters in the filter text. */
  maxLength: 8192,
  /** Nesting of parentheses, `not`, function calls and lambdas. */
  maxDepth: 64,
  /** Values in one `in (...)` list. */
  maxInValues: 100,
  /** Lambdas nested inside lambdas (`a/any(x: x/b/any(y: ...))` is 2). */
  maxLambdaDepth: 3,
} as const;

// ---------------------------------------------------------------------------------------------
// AST

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null'; readonly value: null }
  /** Unquoted GUID, as written. */
  | { readonly type: 'guid'; readonly value: string }
  /** `2024-01-01`: `epochMs` is midnight UTC of that day. */
  | { readonly type: 'date'; readonly value: string; readonly epochMs: number; readonly subMsNanos: 0 }
  /**
   * `2024-01-01T00:00:00.1234567Z`: the instant is `epochMs` (whole milliseconds) plus `subMsNanos`
   * (0..999999), since Graph writes seven fractional digits.
   */
  | {
      readonly type: 'dateTimeOffset';
      readonly value: string;
      readonly epochMs: number;
      readonly subMsNanos: number;
    };

interface Instant {
  readonly epochMs: number;
  readonly subMsNanos: number;
}

/**
 * A property path. `variable` is set when the path starts at a lambda variable (`c/issuer` →
 * variable 'c', segments ['issuer']; a bare `c` has no segments); otherwise it starts at the object.
 * `count` is set for a trailing `/$count`.
 */
export interface PropertyPath {
  readonly variable?: string;
  readonly segments: readonly string[];
  readonly count: boolean;
  readonly position: number;
}

export type FilterExpr =
  | {
      readonly type: 'compare';
      readonly op: CompareOp;
      readonly path: PropertyPath;
      readonly value: Literal;
      readonly position: number;
    }
  | {
      readonly type: 'in';
      readonly path: PropertyPath;
      readonly values: readonly Literal[];
      readonly position: number;
    }
  | {
      readonly type: 'function';
      readonly name: 'startsWith' | 'endsWith';
      readonly path: PropertyPath;
      readonly value: string;
      readonly position: number;
    }
  | {
      readonly type: 'lambda';
      readonly op: 'any' | 'all';
      readonly path: PropertyPath;
      /** Absent for `any()` (true when the collection is not empty). */
      readonly variable?: string;
      readonly body?: FilterExpr;
      readonly position: number;
    }
  /** `and`/`or` chains are flat, so a long chain does not make a deep tree. */
  | { readonly type: 'and' | 'or'; readonly operands: readonly FilterExpr[]; readonly position: number }
  | { readonly type: 'not'; readonly operand: FilterExpr; readonly position: number };

// ---------------------------------------------------------------------------------------------
// Errors

export class FilterSyntaxError extends Error {
  /** 1-based position of the offending token in the filter text. */
  readonly position: number;
  /** The offending token as written ('' for the end of the filter). */
  readonly token: string;

  constructor(filter: string, position: number, token: string, detail: string, hint?: string) {
    super(`${detail} at position ${position}${hint ? ` (${hint})` : ''} in: ${excerpt(filter, position)}`);
    this.name = 'FilterSyntaxError';
    this.position = position;
    this.token = token;
  }
}

/** The whole filter when short, otherwise a window around the position. */
function excerpt(text: string, position: number): string {
  if (text.length <= 200) return text;
  const from = Math.max(0, position - 80);
  const to = Math.min(text.length, position + 80);
  return `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < text.length ? '…' : ''}`;
}

function quoteToken(token: string): string {
  if (token === '') return 'end of filter';
  return `'${token.length > 40 ? `${token.slice(0, 40)}…` : token}'`;
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenKind = 'name' | 'literal' | '(' | ')' | ',' | ':' | '/' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
  readonly literal?: Literal;
}

const GUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/iy;
/** Anything date-shaped; checked strictly afterwards so a bad date gets its own message. */
const DATE_SHAPE_RE = /\d{4}-\d{2}-\d{2}(?:T[\d:.]*(?:Z|[+-]\d{2}:\d{2})?)?(?![\w.:+-])/iy;
const NUMBER_RE = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.-])/iy;
const NAME_RE = /\$?[A-Za-z_]\w*/y;
const JUNK_RE = /[\w.:+-]+/y;
const PUNCTUATION: ReadonlySet<string> = new Set(['(', ')', ',', ':', '/']);
const SPACE: ReadonlySet<string> = new Set([' ', '\t', '\r', '\n']);

function stickyMatch(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at]!;
    if (SPACE.has(ch)) {
      at++;
      continue;
    }
    const token = ch === "'" ? stringToken(text, at) : otherToken(text, at, ch);
    tokens.push(token);
    at += token.text.length;
  }
  tokens.push({ kind: 'end', text: '', position: text.length + 1 });
  return tokens;
}

function stringToken(text: string, start: number): Token {
  const parts: string[] = [];
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf("'", from);
    if (quote < 0) {
      throw new FilterSyntaxError(text, start + 1, "'", 'unterminated string literal');
    }
    parts.push(text.slice(from, quote));
    if (text[quote + 1] === "'") {
      parts.push("'");
      from = quote + 2;
      continue;
    }
    const value = parts.join('');
    return {
      kind: 'literal',
      text: text.slice(start, quote + 1),
      position: start + 1,
      literal: { type: 'string', value },
    };
  }
}

function otherToken(text: string, at: number, ch: string): Token {
  const position = at + 1;
  if (PUNCTUATION.has(ch)) return { kind: ch as TokenKind, text: ch, position };
  const guid = stickyMatch(GUID_RE, text, at);
  if (guid) return { kind: 'literal', text: guid, position, literal: { type: 'guid', value: guid } };
  const date = stickyMatch(DATE_SHAPE_RE, text, at);
  if (date) {
    const literal = dateLiteral(date);
    if (!literal) throw new FilterSyntaxError(text, position, date, `invalid date literal '${date}'`);
    return { kind: 'literal', text: date, position, literal };
  }
  const num = stickyMatch(NUMBER_RE, text, at);
  if (num) {
    const value = Number(num);
    if (!Number.isFinite(value)) {
      throw new FilterSyntaxError(text, position, num, `number '${num}' is out of range`);
    }
    return { kind: 'literal', text: num, position, literal: { type: 'number', value } };
  }
  const name = stickyMatch(NAME_RE, text, at);
  if (name) return { kind: 'name', text: name, position };
  if (/[\d-]/.test(ch)) {
    const junk = stickyMatch(JUNK_RE, text, at) ?? ch;
    throw new FilterSyntaxError(text, position, junk, `invalid literal '${junk}'`);
  }
  const shown = ch === '"' ? `'"' (strings take single quotes)` : quoteToken(ch);
  throw new FilterSyntaxError(text, position, ch, `unexpected character ${shown}`);
}

const STRICT_DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/i;
/** Values from Graph: like the literal, but an offset-less time is read as UTC. */
const VALUE_DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))?)?$/i;

/**
 * Epoch milliseconds of a date or date-time, range-checked by hand (Date.parse rolls 2021-02-31
 * over to March and reads offset-less times as local time).
 */
function epochOf(m: RegExpExecArray): Instant | undefined {
  const n = (i: number) => Number(m[i] ?? 0);
  const [y, mo, d] = [n(1), n(2), n(3)];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  const [h, mi, s] = [n(4), n(5), n(6)];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const offH = n(10);
  const offM = n(11);
  if (offH > 23 || offM > 59) return undefined;
  const fraction = (m[7] ?? '').padEnd(9, '0');
  const ms = Number(fraction.slice(0, 3));
  const offset = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (offH * 60 + offM);
  const utc = new Date(0);
  utc.setUTCFullYear(y, mo - 1, d); // years < 100 must not be read as 19xx
  utc.setUTCHours(h, mi, s, ms);
  return { epochMs: utc.getTime() - offset * 60_000, subMsNanos: Number(fraction.slice(3)) };
}

function dateLiteral(text: string): Literal | undefined {
  const m = STRICT_DATE_RE.exec(text);
  if (!m) return undefined;
  const instant = epochOf(m);
  if (instant === undefined) return undefined;
  return m[4] === undefined
    ? { type: 'date', value: text, epochMs: instant.epochMs, subMsNanos: 0 }
    : { type: 'dateTimeOffset', value: text, ...instant };
}

function valueInstant(text: string): Instant | undefined {
  const m = VALUE_DATE_RE.exec(text);
  return m ? epochOf(m) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parser

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const UNSUPPORTED_OPS: ReadonlySet<string> = new Set(['has', 'add', 'sub', 'mul', 'div', 'divby', 'mod']);
const KEYWORDS: ReadonlySet<string> = new Set([
  ...COMPARE_OPS,
  ...UNSUPPORTED_OPS,
  'and',
  'or',
  'not',
  'in',
  'any',
  'all',
  'true',
  'false',
  'null',
]);
const FUNCTIONS: Readonly<Record<string, 'startsWith' | 'endsWith'>> = {
  startswith: 'startsWith',
  endswith: 'endsWith',
};
const WORD_LITERALS: Readonly<Record<string, Literal>> = {
  true: { type: 'boolean', value: true },
  false: { type: 'boolean', value: false },
  null: { type: 'null', value: null },
};

/**
 * Recursive descent:
 *   or       := and ('or' and)*
 *   and      := unary ('and' unary)*
 *   unary    := 'not' notArg | primary
 *   notArg   := '(' or ')' | 'not' notArg | function | lambda
 *   primary  := '(' or ')' | function | lambda | path cmpOp literal | path 'in' '(' literal (',' literal)* ')'
 *   function := name '(' path ',' string ')'
 *   lambda   := path '/' ('any' | 'all') '(' [variable ':' or] ')'
 */
class Parser {
  private at = 0;
  private depth = 0;
  /** Lambda variables in scope, innermost last. */
  private readonly variables: string[] = [];

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): FilterExpr {
    if (this.peek().kind === 'end') throw this.fail(this.peek(), 'empty filter');
    const expr = this.parseOr();
    const tok = this.peek();
    if (tok.kind !== 'end') throw this.unexpected(tok, "expected 'and', 'or' or the end of the filter");
    return expr;
  }

  private parseOr(): FilterExpr {
    const first = this.parseAnd();
    if (!this.isWord('or')) return first;
    const operands = [first];
    while (this.isWord('or')) {
      this.at++;
      operands.push(this.parseAnd());
    }
    return { type: 'or', operands, position: first.position };
  }

  private parseAnd(): FilterExpr {
    const first = this.parseUnary();
    if (!this.isWord('and')) return first;
    const operands = [first];
    while (this.isWord('and')) {
      this.at++;
      operands.push(this.parseUnary());
    }
    return { type: 'and', operands, position: first.position };
  }

  private parseUnary(): FilterExpr {
    if (this.isWord('not')) return this.parseNot();
    return this.parsePrimary();
  }

  private parseNot(): FilterExpr {
    const notTok = this.next();
    return this.nested(notTok, () => {
      const tok = this.peek();
      let operand: FilterExpr;
      if (tok.kind === '(') operand = this.parseGroup();
      else if (this.isWord('not')) operand = this.parseNot();
      else {
        operand = this.parsePrimary();
        if (operand.type !== 'function' && operand.type !== 'lambda') {
          throw this.fail(
            tok,
            "'not' applies to '(', a function or a lambda; write not(... eq ...) or use 'ne' instead",
          );
        }
      }
      return { type: 'not', operand, position: notTok.position };
    });
  }

  private parseGroup(): FilterExpr {
    const open = this.next();
    return this.nested(open, () => {
      const inner = this.parseOr();
      this.expect(')', "expected ')'");
      return inner;
    });
  }

  private parsePrimary(): FilterExpr {
    const tok = this.peek();
    if (tok.kind === '(') return this.parseGroup();
    if (tok.kind !== 'name' || KEYWORDS.has(tok.text)) {
      throw this.unexpected(tok, "expected a property, a function or '('");
    }
    if (this.peek(1).kind === '(') return this.parseFunction();
    const path = this.parsePath();
    if (this.peek().kind === '/') return this.parseLambda(path);
    return this.parseComparison(path);
  }

  private parseFunction(): FilterExpr {
    const nameTok = this.next();
    const name = FUNCTIONS[nameTok.text.toLowerCase()];
    if (!name) {
      const hint = KEYWORDS.has(nameTok.text.toLowerCase())
        ? `'${nameTok.text}' is not a function`
        : `unsupported function '${nameTok.text}' (supported: startsWith, endsWith)`;
      throw this.fail(nameTok, hint);
    }
    const open = this.next();
    return this.nested(open, () => {
      const first = this.peek();
      if (first.kind !== 'name' || KEYWORDS.has(first.text)) {
        throw this.unexpected(first, `expected a property as the first argument of ${name}`);
      }
      const path = this.parsePath();
      if (path.count) throw this.fail(first, `$count cannot be an argument of ${name}`);
      this.expect(',', `expected ',' after the first argument of ${name}`);
      const valueTok = this.peek();
      const value = this.parseLiteral();
      if (value.type !== 'string') {
        throw this.fail(valueTok, `the second argument of ${name} must be a quoted string`);
      }
      this.expect(')', `expected ')' to close ${name}`);
      return { type: 'function', name, path, value: value.value, position: nameTok.position };
    });
  }

  /** Segments up to, but not including, a trailing `/any(` or `/all(`. */
  private parsePath(): PropertyPath {
    const firstTok = this.peek();
    const first = this.segment();
    const variable = this.variables.includes(first) ? first : undefined;
    const segments = variable === undefined ? [first] : [];
    let count = false;
    while (this.peek().kind === '/' && !this.lambdaAhead()) {
      if (count) throw this.fail(this.peek(), "'$count' must be the last segment of a path");
      this.at++;
      const tok = this.peek();
      if (tok.kind === 'name' && tok.text === '$count') {
        this.at++;
        count = true;
      } else {
        segments.push(this.segment());
        if (this.peek().kind === '(') {
          throw this.fail(tok, `unsupported lambda operator '${tok.text}'`, "expected 'any' or 'all'");
        }
      }
    }
    if (count && segments.length === 0 && variable === undefined) {
      throw this.fail(firstTok, "'$count' needs a collection before it");
    }
    return variable === undefined
      ? { segments, count, position: firstTok.position }
      : { variable, segments, count, position: firstTok.position };
  }

  private segment(): string {
    const tok = this.peek();
    if (tok.kind !== 'name' || KEYWORDS.has(tok.text)) throw this.unexpected(tok, 'expected a property name');
    if (tok.text.startsWith('$')) throw this.fail(tok, `'${tok.text}' is not supported here`);
    this.at++;
    return tok.text;
  }

  private lambdaAhead(): boolean {
    const op = this.peek(1);
    return op.kind === 'name' && /^(?:any|all)$/i.test(op.text) && this.peek(2).kind === '(';
  }

  private parseLambda(path: PropertyPath): FilterExpr {
    const slash = this.next();
    const opTok = this.peek();
    if (opTok.kind !== 'name' || (opTok.text !== 'any' && opTok.text !== 'all')) {
      throw this.unexpected(opTok, "expected 'any' or 'all'");
    }
    if (path.count) throw this.fail(slash, "'$count' must be the last segment of a path");
    if (this.variables.length > 0 && path.variable === undefined) {
      throw new FilterSyntaxError(
        this.text,
        path.position,
        pathText(path).slice(1, -1),
        `a lambda inside a lambda must range over a path of the enclosing lambda variable, not ${pathText(path)}`,
      );
    }
    if (this.variables.length >= FILTER_LIMITS.maxLambdaDepth) {
      throw this.fail(opTok, `lambdas nested deeper than ${FILTER_LIMITS.maxLambdaDepth} levels`);
    }
    const op = opTok.text;
    this.at++;
    const open = this.expect('(', `expected '(' after '${op}'`);
    return this.nested(open, () => {
      if (this.peek().kind === ')') {
        this.at++;
        if (op === 'all') throw this.fail(opTok, "'all' needs a variable and a condition");
        return { type: 'lambda', op, path, position: path.position };
      }
      const v = this.peek();
      if (v.kind !== 'name' || KEYWORDS.has(v.text) || v.text.startsWith('$')) {
        throw this.unexpected(v, `expected a lambda variable name after '${op}('`);
      }
      if (this.variables.includes(v.text)) {
        throw this.fail(v, `lambda variable '${v.text}' is already in use`);
      }
      this.at++;
      this.expect(':', `expected ':' after the lambda variable '${v.text}'`);
      this.variables.push(v.text);
      let body: FilterExpr;
      try {
        body = this.parseOr();
      } finally {
        this.variables.pop();
      }
      this.expect(')', `expected ')' to close '${op}'`);
      return { type: 'lambda', op, path, variable: v.text, body, position: path.position };
    });
  }

  private parseComparison(path: PropertyPath): FilterExpr {
    const tok = this.peek();
    if (tok.kind === 'name' && COMPARE_OPS.has(tok.text)) {
      this.at++;
      const valueTok = this.peek();
      const value = this.parseLiteral();
      if (path.count && value.type !== 'number') {
        throw this.fail(valueTok, "'$count' compares with a number");
      }
      return { type: 'compare', op: tok.text as CompareOp, path, value, position: path.position };
    }
    if (tok.kind === 'name' && tok.text === 'in') {
      this.at++;
      return this.parseInList(path);
    }
    if (tok.kind === 'name' && UNSUPPORTED_OPS.has(tok.text)) {
      throw this.fail(tok, `operator '${tok.text}' is not supported`);
    }
    throw this.unexpected(tok, `expected an operator (eq, ne, gt, ge, lt, le, in) after ${pathText(path)}`);
  }

  private parseInList(path: PropertyPath): FilterExpr {
    if (path.count) throw this.fail(this.peek(), "'$count' cannot be used with 'in'");
    const open = this.expect('(', "expected '(' after 'in'");
    return this.nested(open, () => {
      const values = [this.parseLiteral()];
      while (this.peek().kind === ',') {
        this.at++;
        if (values.length >= FILTER_LIMITS.maxInValues) {
          throw this.fail(this.peek(), `too many values for 'in' (at most ${FILTER_LIMITS.maxInValues})`);
        }
        values.push(this.parseLiteral());
      }
      this.expect(')', "expected ',' or ')' in the 'in' list");
      return { type: 'in', path, values, position: path.position };
    });
  }

  private parseLiteral(): Literal {
    const tok = this.peek();
    const literal =
      tok.kind === 'literal' ? tok.literal : tok.kind === 'name' ? WORD_LITERALS[tok.text] : undefined;
    if (!literal) throw this.unexpected(tok, 'expected a literal value');
    this.at++;
    return literal;
  }

  /** Runs `parse` one nesting level deeper; the depth limit bounds the recursion. */
  private nested<T>(tok: Token, parse: () => T): T {
    if (this.depth >= FILTER_LIMITS.maxDepth) {
      throw this.fail(tok, `filter nested deeper than ${FILTER_LIMITS.maxDepth} levels`);
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.at + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const tok = this.peek();
    this.at++;
    return tok;
  }

  private isWord(word: string): boolean {
    const tok = this.peek();
    return tok.kind === 'name' && tok.text === word;
  }

  private expect(kind: TokenKind, expectation: string): Token {
    const tok = this.peek();
    if (tok.kind !== kind) throw this.unexpected(tok, expectation);
    this.at++;
    return tok;
  }

  private unexpected(tok: Token, expectation: string): FilterSyntaxError {
    const lower = tok.text.toLowerCase();
    if (tok.kind === 'name' && lower !== tok.text && KEYWORDS.has(lower)) {
      return this.fail(tok, `operators and keywords are lower-case: '${tok.text}' should be '${lower}'`);
    }
    return this.fail(tok, `unexpected ${quoteToken(tok.text)}`, expectation);
  }

  private fail(tok: Token, detail: string, hint?: string): FilterSyntaxError {
    return new FilterSyntaxError(this.text, tok.position, tok.text, detail, hint);
  }
}

function pathText(path: PropertyPath): string {
  const parts = [...(path.variable === undefined ? [] : [path.variable]), ...path.segments];
  if (path.count) parts.push('$count');
  return `'${parts.join('/')}'`;
}

/** Parses a (URL-decoded) `$filter` value. Throws FilterSyntaxError naming position and token. */
export function parseFilter(text: string): FilterExpr {
  if (text.length > FILTER_LIMITS.maxLength) {
    throw new FilterSyntaxError(
      text,
      FILTER_LIMITS.maxLength + 1,
      text.slice(FILTER_LIMITS.maxLength, FILTER_LIMITS.maxLength + 1),
      `filter too long (${text.length} characters, at most ${FILTER_LIMITS.maxLength})`,
    );
  }
  return new Parser(text, tokenize(text)).parse();
}

// ---------------------------------------------------------------------------------------------
// Properties read

/**
 * Property paths the filter reads from the object, in order of first use, without duplicates:
 * top-level names, and complex paths dotted (`onPremisesExtensionAttributes.extensionAttribute1`).
 * A lambda contributes its collection (`identities`); paths through a lambda variable add nothing
 * more. `assignedLicenses/$count` contributes `assignedLicenses`.
 */
export function filterProperties(expr: FilterExpr): string[] {
  const found = new Set<string>();
  const visit = (e: FilterExpr): void => {
    switch (e.type) {
      case 'and':
      case 'or':
        for (const operand of e.operands) visit(operand);
        return;
      case 'not':
        visit(e.operand);
        return;
      case 'lambda':
        addPath(e.path);
        if (e.body) visit(e.body);
        return;
      default:
        addPath(e.path);
    }
  };
  const addPath = (path: PropertyPath): void => {
    if (path.variable === undefined && path.segments.length > 0) found.add(path.segments.join('.'));
  };
  visit(expr);
  return [...found];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Obj = Readonly<Record<string, unknown>>;

/** Lambda variables bound around the current point, innermost first. */
interface Scope {
  readonly name: string;
  readonly value: unknown;
  readonly parent: Scope | undefined;
}

/**
 * Evaluates the filter against a Graph JSON object (nested complex objects, arrays for collections,
 * ISO strings for dates; a missing property is null). Never throws for JSON input.
 *
 * Semantics, following Graph: strings (and GUIDs) compare case-insensitively; DateTimeOffsets
 * compare as instants; a comparison with a missing/null value is false except `eq null` and
 * `ne ...`; `ne` is the negation of `eq`; on a collection, `eq`, ordering, `in`, startsWith and
 * endsWith hold when any element matches, and an empty collection counts as null for `eq null`.
 * Values of another type than the literal never match. Property names are matched exactly, then
 * case-insensitively.
 */
export function evaluateFilter(expr: FilterExpr, obj: Obj): boolean {
  return evaluate(expr, obj, undefined);
}

function evaluate(e: FilterExpr, root: Obj, scope: Scope | undefined): boolean {
  switch (e.type) {
    case 'and':
      return e.operands.every((operand) => evaluate(operand, root, scope));
    case 'or':
      return e.operands.some((operand) => evaluate(operand, root, scope));
    case 'not':
      return !evaluate(e.operand, root, scope);
    case 'compare': {
      const value = resolve(e.path, root, scope);
      return e.op === 'ne' ? !matchEq(value, e.value) : compare(value, e.op, e.value);
    }
    case 'in': {
      const value = resolve(e.path, root, scope);
      return e.values.some((lit) => matchEq(value, lit));
    }
    case 'function': {
      const needle = fold(e.value);
      const test = (v: unknown) =>
        typeof v === 'string' &&
        (e.name === 'startsWith' ? fold(v).startsWith(needle) : fold(v).endsWith(needle));
      const value = resolve(e.path, root, scope);
      return Array.isArray(value) ? value.some(test) : test(value);
    }
    case 'lambda': {
      const value = resolve(e.path, root, scope);
      const items = value == null ? [] : Array.isArray(value) ? value : [value];
      const { body, variable } = e;
      if (body === undefined || variable === undefined) return items.length > 0;
      const test = (item: unknown) => evaluate(body, root, { name: variable, value: item, parent: scope });
      return e.op === 'any' ? items.some(test) : items.every(test);
    }
  }
}

function resolve(path: PropertyPath, root: Obj, scope: Scope | undefined): unknown {
  let current: unknown = root;
  if (path.variable !== undefined) {
    let s = scope;
    while (s && s.name !== path.variable) s = s.parent;
    current = s?.value;
  }
  for (const segment of path.segments) {
    current = member(current, segment);
    if (current === undefined) break;
  }
  if (path.count) return Array.isArray(current) ? current.length : 0;
  return current;
}

/** A property of an object; through a collection, the flattened values of its elements. */
function member(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (Array.isArray(item)) continue; // JSON from Graph has no nested arrays; do not recurse into them
      const v = member(item, name);
      if (Array.isArray(v)) out.push(...v);
      else if (v !== undefined) out.push(v);
    }
    return out;
  }
  const rec = value as Record<string, unknown>;
  if (Object.hasOwn(rec, name)) return rec[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(rec)) {
    if (key.toLowerCase() === lower) return rec[key];
  }
  return undefined;
}

function matchEq(value: unknown, lit: Literal): boolean {
  if (lit.type === 'null') {
    return value == null || (Array.isArray(value) && (value.length === 0 || value.some((v) => v == null)));
  }
  if (Array.isArray(value)) return value.some((v) => order(v, lit) === 0);
  return order(value, lit) === 0;
}

function compare(value: unknown, op: Exclude<CompareOp, 'ne'>, lit: Literal): boolean {
  if (op === 'eq') return matchEq(value, lit);
  const test = (v: unknown) => {
    const c = order(v, lit);
    if (c === undefined) return false;
    return op === 'gt' ? c > 0 : op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
  };
  return Array.isArray(value) ? value.some(test) : test(value);
}

/** Sign of `value - literal`, or undefined when they are not comparable (null, other type). */
function order(value: unknown, lit: Literal): number | undefined {
  switch (lit.type) {
    case 'null':
      return undefined;
    case 'string':
    case 'guid':
      return typeof value === 'string' ? sign(fold(value), fold(lit.value)) : undefined;
    case 'number':
      return typeof value === 'number' ? sign(value, lit.value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? sign(Number(value), Number(lit.value)) : undefined;
    case 'date':
    case 'dateTimeOffset': {
      if (typeof value !== 'string') return undefined;
      const instant = valueInstant(value);
      if (instant === undefined) return undefined;
      return sign(instant.epochMs, lit.epochMs) || sign(instant.subMsNanos, lit.subMsNanos);
    }
  }
}

function sign<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ASCII_RE = /^[\x00-\x7f]*$/;

/**
 * Case folding like .NET's OrdinalIgnoreCase (which Graph's directory uses): each character maps
 * to its simple upper-case form, so 'ß' stays 'ß' rather than becoming 'SS'.
 */
function fold(s: string): string {
  if (ASCII_RE.test(s)) return s.toUpperCase();
  let out = '';
  for (const ch of s) {
    const upper = ch.toUpperCase();
    out += upper.length === ch.length ? upper : ch;
  }
  return out;
}
