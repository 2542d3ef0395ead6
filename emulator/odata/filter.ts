import {
  badRequest,
  GraphHttpError,
  needsAdvancedQuery,
  unsupportedFilterClause,
  unsupportedQuery,
} from '../http/errors.js';
import { complexType } from '../model/entities.js';
import type { EntityTypeDef, FilterOp, PropertyDef, QueryLevel } from '../model/types.js';

/**
 * OData `$filter` for the emulator's directory collections: a parser for the subset of the grammar
 * Graph accepts on directory objects, and a compiler that checks every clause against the model's
 * per-property support table (default vs advanced query) before turning it into a predicate.
 *
 * Positions in error messages are 1-based character offsets into the (URL-decoded) filter text,
 * which is what Graph prints ("Syntax error at position 17 in '...'").
 */

/** Limits that keep hostile input from hanging the emulator or overflowing the stack. */
export const FILTER_LIMITS = { maxLength: 4096, maxDepth: 32, maxInValues: 50 } as const;

// ---------------------------------------------------------------------------------------------
// AST

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null'; readonly value: null }
  /** Unquoted GUID (`8a3d...`), as written. */
  | { readonly type: 'guid'; readonly value: string }
  /** Unquoted `2021-11-01T00:00:00Z`; `epochMs` is the instant it names. */
  | { readonly type: 'dateTimeOffset'; readonly value: string; readonly epochMs: number }
  /** Unquoted `2021-11-01`; `epochMs` is midnight UTC of that day. */
  | { readonly type: 'date'; readonly value: string; readonly epochMs: number };

/** Every node carries `pos`: the 1-based position of its first character in the filter text. */
export type LiteralNode = Literal & { readonly kind: 'literal'; readonly pos: number };

/** `displayName`, `onPremisesExtensionAttributes/extensionAttribute1`, or a lambda variable's `c/issuer`. */
export interface PathNode {
  readonly kind: 'path';
  readonly segments: readonly string[];
  readonly pos: number;
}

export interface CompareNode {
  readonly kind: 'compare';
  readonly op: CompareOp;
  readonly path: PathNode;
  readonly value: LiteralNode;
  readonly pos: number;
}

export interface InNode {
  readonly kind: 'in';
  readonly path: PathNode;
  readonly values: readonly LiteralNode[];
  readonly pos: number;
}

export interface FunctionNode {
  readonly kind: 'function';
  readonly name: 'startsWith' | 'endsWith';
  readonly path: PathNode;
  readonly value: LiteralNode;
  readonly pos: number;
}

/** `path/any(v: body)`; `path/any()` (no variable, no body) tests for a non-empty collection. */
export interface LambdaNode {
  readonly kind: 'lambda';
  readonly op: 'any' | 'all';
  readonly path: PathNode;
  readonly variable?: string;
  readonly body?: FilterAst;
  readonly pos: number;
}

/** `and`/`or` chains are flattened so long chains do not make deep trees. */
export interface LogicalNode {
  readonly kind: 'and' | 'or';
  readonly operands: readonly FilterAst[];
  readonly pos: number;
}

export interface NotNode {
  readonly kind: 'not';
  readonly operand: FilterAst;
  readonly pos: number;
}

export type FilterAst = CompareNode | InNode | FunctionNode | LambdaNode | LogicalNode | NotNode;

// ---------------------------------------------------------------------------------------------
// Errors

/** Graph answers OData syntax and type errors with code `BadRequest` (not `Request_BadRequest`). */
function clauseError(text: string, pos: number, what: string): GraphHttpError {
  return new GraphHttpError(
    400,
    'BadRequest',
    `Invalid filter clause: ${what} at position ${pos} in '${text}'.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenKind = 'ident' | 'literal' | '(' | ')' | ',' | ':' | '/' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
  readonly literal?: Literal;
}

const GUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/iy;
/** Anything shaped like a date; validated afterwards so a bad date is reported as such. */
const DATE_LIKE_RE = /\d{4}-\d{2}-\d{2}(?:T[\d:.]*(?:Z|[+-]\d{2}:\d{2})?)?(?![\w-])/iy;
const NUMBER_RE = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w-])/iy;
const IDENT_RE = /[A-Za-z_$]\w*/y;
const BAD_LITERAL_RE = /[\w.:+-]+/y;
const PUNCTUATION = new Set<string>(['(', ')', ',', ':', '/']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const ch = text[at]!;
    if (WHITESPACE.has(ch)) {
      at++;
      continue;
    }
    const token = ch === "'" ? stringToken(text, at) : otherToken(text, at, ch);
    tokens.push(token);
    at += token.text.length;
  }
  tokens.push({ kind: 'end', text: '', pos: text.length + 1 });
  return tokens;
}

/** `'it''s'` → it's. A doubled quote is the only escape OData has. */
function stringToken(text: string, start: number): Token {
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const ch = text[at]!;
    if (ch === "'") {
      if (text[at + 1] !== "'") {
        return {
          kind: 'literal',
          text: text.slice(start, at + 1),
          pos: start + 1,
          literal: { type: 'string', value },
        };
      }
      at++;
    }
    value += ch;
    at++;
  }
  throw clauseError(
    text,
    start + 1,
    `Syntax error: unterminated string literal ${abbreviate(text.slice(start))}`,
  );
}

function otherToken(text: string, at: number, ch: string): Token {
  const pos = at + 1;
  if (PUNCTUATION.has(ch)) return { kind: ch as TokenKind, text: ch, pos };
  const guid = matchAt(GUID_RE, text, at);
  if (guid) return { kind: 'literal', text: guid, pos, literal: { type: 'guid', value: guid } };
  const dateLike = matchAt(DATE_LIKE_RE, text, at);
  if (dateLike) {
    const literal = dateLiteral(dateLike);
    if (!literal) {
      throw clauseError(text, pos, `Syntax error: invalid date or DateTimeOffset literal '${dateLike}'`);
    }
    return { kind: 'literal', text: dateLike, pos, literal };
  }
  const num = matchAt(NUMBER_RE, text, at);
  if (num) return { kind: 'literal', text: num, pos, literal: { type: 'number', value: Number(num) } };
  const ident = matchAt(IDENT_RE, text, at);
  if (ident) return { kind: 'ident', text: ident, pos };
  if (/[\d-]/.test(ch)) {
    const bad = matchAt(BAD_LITERAL_RE, text, at) ?? ch;
    throw clauseError(text, pos, `Syntax error: invalid literal '${bad}'`);
  }
  throw clauseError(text, pos, `Syntax error: character '${ch}' is not valid`);
}

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/i;

/**
 * Parses and range-checks a date or DateTimeOffset (which must carry `Z` or an offset, as in OData).
 * Computed by hand because Date.parse rolls 2021-02-31 over and reads offset-less times as local.
 */
function dateLiteral(text: string): Literal | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const num = (i: number) => Number(m[i] ?? 0);
  const [y, mo, d] = [num(1), num(2), num(3)];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth) return undefined;
  if (m[4] === undefined) {
    return { type: 'date', value: text, epochMs: Date.UTC(y, mo - 1, d) };
  }
  const [h, mi, s] = [num(4), num(5), num(6)];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Math.floor(Number(`0.${m[7] ?? 0}`) * 1000);
  const offsetMin = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (num(10) * 60 + num(11));
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  return { type: 'dateTimeOffset', value: text, epochMs };
}

function abbreviate(s: string): string {
  return s.length > 30 ? `${s.slice(0, 30)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Reserved words. Graph's operators are lower-case; other spellings get a pointed error. */
const KEYWORDS = new Set('and or not eq ne gt ge lt le in has any all true false null'.split(' '));
const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS: Readonly<Record<string, 'startsWith' | 'endsWith'>> = {
  startswith: 'startsWith',
  endswith: 'endsWith',
};
const WORD_LITERALS: Readonly<Record<string, Literal>> = {
  true: { type: 'boolean', value: true },
  false: { type: 'boolean', value: false },
  null: { type: 'null', value: null },
};

const isKeyword = (tok: Token) => tok.kind === 'ident' && KEYWORDS.has(tok.text.toLowerCase());

/**
 * Recursive descent over Graph's directory subset:
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' (group | function | lambda | unary) | primary
 *   primary := '(' or ')' | function '(' path ',' literal ')' | path '/' any|all '(' [var ':' or] ')'
 *            | path cmp literal | path 'in' '(' literal (',' literal)* ')'
 * Comparisons are always `property op literal`, as Graph requires for directory objects.
 */
class Parser {
  private at = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): FilterAst {
    const ast = this.parseChain('or');
    const tok = this.peek();
    if (tok.kind !== 'end') throw this.unexpected(tok, "expected 'and', 'or' or the end of the expression");
    return ast;
  }

  private parseChain(op: 'and' | 'or'): FilterAst {
    const next = () => (op === 'or' ? this.parseChain('and') : this.parseUnary());
    const first = next();
    const operands = [first];
    while (this.isWord(op)) {
      this.at++;
      operands.push(next());
    }
    return operands.length === 1 ? first : { kind: op, operands, pos: first.pos };
  }

  private parseUnary(): FilterAst {
    const tok = this.peek();
    if (!this.isWord('not')) return this.parsePrimary();
    this.at++;
    return this.nested(tok, () => ({ kind: 'not', operand: this.parseNotOperand(), pos: tok.pos }));
  }

  /** Like ODataLib, `not` does not swallow a bare comparison: `not displayName eq 'x'` is an error. */
  private parseNotOperand(): FilterAst {
    const tok = this.peek();
    if (tok.kind === '(' || this.isWord('not')) return this.parseUnary();
    const operand = this.parsePrimary();
    if (operand.kind === 'function' || operand.kind === 'lambda') return operand;
    throw this.error(
      tok,
      `Syntax error: 'not' must be followed by '(', a function or a lambda, found '${tok.text}'`,
    );
  }

  private parsePrimary(): FilterAst {
    const tok = this.peek();
    if (tok.kind === '(') {
      this.at++;
      return this.nested(tok, () => {
        const inner = this.parseChain('or');
        this.expect(')', "expected ')'");
        return inner;
      });
    }
    if (tok.kind !== 'ident' || isKeyword(tok)) {
      throw this.unexpected(tok, "expected a property, a function or '('");
    }
    if (this.peek(1).kind === '(') return this.parseFunction(tok);
    const path = this.parsePath();
    if (this.peek().kind === '/') return this.parseLambda(path);
    return this.parseComparison(path);
  }

  private parseFunction(tok: Token): FunctionNode {
    const name = FUNCTIONS[tok.text.toLowerCase()];
    if (!name) throw this.error(tok, `Unsupported function '${tok.text}'`);
    this.at += 2;
    return this.nested(tok, () => {
      const first = this.peek();
      if (first.kind !== 'ident' || isKeyword(first)) {
        throw this.unexpected(first, `expected a property as the first argument of '${name}'`);
      }
      const path = this.parsePath();
      this.expect(',', `expected ',' after the first argument of '${name}'`);
      const value = this.parseLiteral();
      this.expect(')', `expected ')' to close '${name}'`);
      return { kind: 'function', name, path, value, pos: tok.pos };
    });
  }

  /** Segments up to, but not including, a trailing `/any(` or `/all(`. */
  private parsePath(): PathNode {
    const pos = this.peek().pos;
    const segments = [this.parseSegment()];
    while (this.peek().kind === '/' && !this.lambdaAhead()) {
      this.at++;
      segments.push(this.parseSegment());
    }
    return { kind: 'path', segments, pos };
  }

  private parseSegment(): string {
    const tok = this.peek();
    if (tok.kind !== 'ident') throw this.unexpected(tok, 'expected a property name');
    if (tok.text.startsWith('$')) throw this.error(tok, `'${tok.text}' is not supported in this filter`);
    this.at++;
    return tok.text;
  }

  private lambdaAhead(): boolean {
    const op = this.peek(1);
    return op.kind === 'ident' && /^(any|all)$/i.test(op.text) && this.peek(2).kind === '(';
  }

  private parseLambda(path: PathNode): LambdaNode {
    this.at++; // '/'
    const opTok = this.peek();
    if (opTok.text !== 'any' && opTok.text !== 'all') throw this.unexpected(opTok, "expected 'any' or 'all'");
    const op = opTok.text;
    this.at++;
    this.expect('(', `expected '(' after '${op}'`);
    return this.nested(opTok, () => {
      if (this.peek().kind === ')') {
        this.at++;
        return { kind: 'lambda', op, path, pos: path.pos };
      }
      const v = this.peek();
      if (v.kind !== 'ident' || isKeyword(v) || v.text.startsWith('$')) {
        throw this.unexpected(v, `expected a lambda variable name after '${op}('`);
      }
      this.at++;
      this.expect(':', `expected ':' after the lambda variable '${v.text}'`);
      const body = this.parseChain('or');
      this.expect(')', `expected ')' to close '${op}'`);
      return { kind: 'lambda', op, path, variable: v.text, body, pos: path.pos };
    });
  }

  private parseComparison(path: PathNode): CompareNode | InNode {
    const tok = this.peek();
    if (tok.kind === 'ident' && COMPARE_OPS.has(tok.text)) {
      this.at++;
      return { kind: 'compare', op: tok.text as CompareOp, path, value: this.parseLiteral(), pos: path.pos };
    }
    if (tok.kind === 'ident' && tok.text === 'in') {
      this.at++;
      return this.parseInList(path);
    }
    throw this.unexpected(tok, `expected a comparison operator after '${path.segments.join('/')}'`);
  }

  private parseInList(path: PathNode): InNode {
    const open = this.expect('(', "expected '(' after 'in'");
    return this.nested(open, () => {
      const values = [this.parseLiteral()];
      while (this.peek().kind === ',') {
        this.at++;
        if (values.length === FILTER_LIMITS.maxInValues) {
          const tok = this.peek();
          throw this.error(
            tok,
            `Too many values for 'in': at most ${FILTER_LIMITS.maxInValues} are allowed, found '${tok.text}'`,
          );
        }
        values.push(this.parseLiteral());
      }
      this.expect(')', "expected ',' or ')' in the 'in' list");
      return { kind: 'in', path, values, pos: path.pos };
    });
  }

  private parseLiteral(): LiteralNode {
    const tok = this.peek();
    const literal =
      tok.kind === 'literal' ? tok.literal : tok.kind === 'ident' ? WORD_LITERALS[tok.text] : undefined;
    if (!literal) throw this.unexpected(tok, 'expected a literal value');
    this.at++;
    return { ...literal, kind: 'literal', pos: tok.pos };
  }

  /** Runs `parse` one nesting level deeper; the depth limit bounds the recursion. */
  private nested<T>(tok: Token, parse: () => T): T {
    if (this.depth === FILTER_LIMITS.maxDepth) {
      throw this.error(
        tok,
        `Expression nested deeper than ${FILTER_LIMITS.maxDepth} levels, at '${tok.text}'`,
      );
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

  private isWord(word: string): boolean {
    const tok = this.peek();
    return tok.kind === 'ident' && tok.text === word;
  }

  private expect(kind: TokenKind, expectation: string): Token {
    const tok = this.peek();
    if (tok.kind !== kind) throw this.unexpected(tok, expectation);
    this.at++;
    return tok;
  }

  private unexpected(tok: Token, expectation: string): GraphHttpError {
    const lower = tok.text.toLowerCase();
    if (isKeyword(tok) && tok.text !== lower) {
      return this.error(tok, `Syntax error: '${tok.text}' must be written in lower case ('${lower}')`);
    }
    const found = tok.kind === 'end' ? 'the end of the expression' : `'${tok.text}'`;
    return this.error(tok, `Syntax error: ${expectation}, found ${found}`);
  }

  private error(tok: Token, what: string): GraphHttpError {
    return clauseError(this.text, tok.pos, what);
  }
}

/** Parses a URL-decoded `$filter` value. Syntax errors are 400 `BadRequest` naming position and token. */
export function parseFilter(text: string): FilterAst {
  if (text.length > FILTER_LIMITS.maxLength) {
    throw new GraphHttpError(
      400,
      'BadRequest',
      `Invalid filter clause: the expression is ${text.length} characters long; ` +
        `at most ${FILTER_LIMITS.maxLength} are allowed.`,
    );
  }
  return new Parser(text, tokenize(text)).parse();
}

// ---------------------------------------------------------------------------------------------
// Compiler: bind names and types, collect what each clause needs, check support, then evaluate.

export interface FilterOptions {
  entity: EntityTypeDef;
  /** `ConsistencyLevel: eventual` and `$count=true` are both present. */
  advanced: boolean;
  /** Resolves a directory extension property `extension_<appid>_<name>` registered for the entity. */
  extension?: (name: string) => PropertyDef | undefined;
}

export type Predicate = (obj: Readonly<Record<string, unknown>>) => boolean;

type Obj = Readonly<Record<string, unknown>>;

/** Runtime scope: the object being tested plus the lambda variables bound around this point. */
interface Scope {
  readonly root: Obj;
  readonly name?: string;
  readonly value?: unknown;
  readonly parent?: Scope;
}

type Eval = (scope: Scope) => boolean;
type Getter = (scope: Scope) => unknown;

interface BoundPath {
  /** The top-level property whose filter table decides support (also for `a/b` and lambda variables). */
  readonly subject: PropertyDef;
  /** Primitive or complex type of the value the path ends at (the element type for collections). */
  readonly type: string;
  readonly collection: boolean;
  readonly get: Getter;
}

interface Variable {
  readonly type: string;
  readonly subject: PropertyDef;
}

/** One (property, operator) pair the query uses; `shownAs` is the operator named in Graph's refusal. */
interface Need {
  readonly subject: PropertyDef;
  readonly op: FilterOp | 'gt' | 'lt' | 'all';
  readonly shownAs: string;
}

/** Graph routes these to the advanced-query index whatever the per-property table says. */
const ALWAYS_ADVANCED = new Set(['ne', 'not', 'endsWith']);

/** Extension properties: `eq` and null checks by default, `ne` advanced; `any` when multi-valued. */
const EXTENSION_FILTER: Partial<Record<FilterOp, QueryLevel>> = { eq: 'D', null: 'D', ne: 'A' };

const OPERATOR_KIND: Readonly<Record<CompareOp, string>> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

const lower = (s: string) => s.toLowerCase();

class Binder {
  private readonly needs: Need[] = [];
  private readonly props = new Map<string, PropertyDef>();

  constructor(
    private readonly text: string,
    private readonly opts: FilterOptions,
  ) {
    for (const prop of opts.entity.properties) this.props.set(lower(prop.name), prop);
  }

  bind(node: FilterAst, env: ReadonlyMap<string, Variable>): Eval {
    switch (node.kind) {
      case 'compare':
        return this.bindCompare(node, env);
      case 'in':
        return this.bindIn(node, env);
      case 'function':
        return this.bindFunction(node, env);
      case 'lambda':
        return this.bindLambda(node, env);
      case 'not':
        return this.bindNot(node, env);
      case 'and':
      case 'or':
        return this.bindLogical(node, env);
    }
  }

  /** Refuses the first clause Graph would refuse; operators that always need an advanced query go first. */
  checkSupport(): void {
    if (!this.opts.advanced) {
      const advancedOnly = this.needs.find((n) => ALWAYS_ADVANCED.has(n.shownAs));
      if (advancedOnly) throw needsAdvancedQuery(advancedOnly.shownAs);
    }
    for (const need of this.needs) {
      const level = (need.subject.filter as Partial<Record<string, QueryLevel>> | undefined)?.[need.op];
      if (!level) throw unsupportedFilterClause(need.subject.name, this.resourceName());
      if (level === 'A' && !this.opts.advanced) throw needsAdvancedQuery(need.shownAs);
    }
  }

  private bindCompare(node: CompareNode, env: ReadonlyMap<string, Variable>): Eval {
    const path = this.bindPath(node.path, env);
    if (node.value.type === 'null') return this.bindNullCheck(node, path);
    this.checkLiteral(path, node.value, OPERATOR_KIND[node.op]);
    this.need(path.subject, node.op, node.op);
    if (node.op === 'ne') {
      const equal = anyValue(path, comparator('eq', path.type, node.value));
      return (scope) => !equal(scope);
    }
    return anyValue(path, comparator(node.op, path.type, node.value));
  }

  private bindNullCheck(node: CompareNode, path: BoundPath): Eval {
    if (node.op !== 'eq' && node.op !== 'ne') {
      throw clauseError(this.text, node.value.pos, `Operator '${node.op}' cannot be used with null`);
    }
    this.need(path.subject, 'null', node.op);
    const isNull: Eval = (scope) => isNullValue(path.get(scope));
    return node.op === 'eq' ? isNull : (scope) => !isNull(scope);
  }

  private bindIn(node: InNode, env: ReadonlyMap<string, Variable>): Eval {
    const path = this.bindPath(node.path, env);
    const wanted = new Set<unknown>();
    let withNull = false;
    for (const value of node.values) {
      if (value.type === 'null') {
        withNull = true;
        continue;
      }
      this.checkLiteral(path, value, 'In');
      wanted.add(literalKey(value));
    }
    this.need(path.subject, 'in', 'in');
    if (withNull) this.need(path.subject, 'null', 'in');
    const matches = anyValue(path, (v) => {
      const key = valueKey(path.type, v);
      return key !== undefined && wanted.has(key);
    });
    return withNull ? (scope) => isNullValue(path.get(scope)) || matches(scope) : matches;
  }

  private bindFunction(node: FunctionNode, env: ReadonlyMap<string, Variable>): Eval {
    const path = this.bindPath(node.path, env);
    if (path.type !== 'Edm.String' || node.value.type !== 'string') {
      const fn = lower(node.name);
      throw clauseError(
        this.text,
        node.pos,
        `No function signature for the function with name '${fn}' matches the specified arguments. ` +
          `The function signatures considered are: ${fn}(Edm.String Nullable=true, Edm.String Nullable=true)`,
      );
    }
    this.need(path.subject, node.name, node.name);
    const affix = lower(node.value.value);
    const test =
      node.name === 'startsWith'
        ? (v: unknown) => typeof v === 'string' && lower(v).startsWith(affix)
        : (v: unknown) => typeof v === 'string' && lower(v).endsWith(affix);
    return anyValue(path, test);
  }

  private bindLambda(node: LambdaNode, env: ReadonlyMap<string, Variable>): Eval {
    const path = this.bindPath(node.path, env);
    if (!path.collection) {
      throw clauseError(
        this.text,
        node.pos,
        `'${node.op}' needs a collection but '${node.path.segments.join('/')}' is a single value`,
      );
    }
    this.need(path.subject, node.op, node.op);
    const isAny = node.op === 'any';
    if (!node.body || !node.variable) return (scope) => !isAny || asArray(path.get(scope)).length > 0;
    const name = node.variable;
    const inner = new Map(env).set(name, { type: path.type, subject: path.subject });
    const body = this.bind(node.body, inner);
    return (scope) => {
      const test = (value: unknown) => body({ root: scope.root, name, value, parent: scope });
      const items = asArray(path.get(scope));
      return isAny ? items.some(test) : items.every(test);
    };
  }

  /** `not` needs the 'not' entry of every property it negates. */
  private bindNot(node: NotNode, env: ReadonlyMap<string, Variable>): Eval {
    const start = this.needs.length;
    const operand = this.bind(node.operand, env);
    const subjects = new Set(this.needs.slice(start).map((n) => n.subject));
    for (const subject of subjects) this.need(subject, 'not', 'not');
    return (scope) => !operand(scope);
  }

  private bindLogical(node: LogicalNode, env: ReadonlyMap<string, Variable>): Eval {
    const operands = node.operands.map((operand) => this.bind(operand, env));
    return node.kind === 'and'
      ? (scope) => operands.every((fn) => fn(scope))
      : (scope) => operands.some((fn) => fn(scope));
  }

  private bindPath(node: PathNode, env: ReadonlyMap<string, Variable>): BoundPath {
    const [head, ...rest] = node.segments as [string, ...string[]];
    let path = this.bindHead(head, env);
    for (const segment of rest) path = this.bindMember(path, segment, node);
    return path;
  }

  /** A lambda variable, an entity property (case-insensitive, as Graph) or a directory extension. */
  private bindHead(head: string, env: ReadonlyMap<string, Variable>): BoundPath {
    const variable = env.get(head);
    if (variable) {
      return {
        subject: variable.subject,
        type: variable.type,
        collection: false,
        get: (s) => lookup(s, head),
      };
    }
    const prop = this.props.get(lower(head)) ?? this.extensionProperty(head);
    if (!prop) {
      throw badRequest(
        `Could not find a property named '${head}' on type 'microsoft.graph.${this.opts.entity.name}'.`,
      );
    }
    const name = prop.name;
    return { subject: prop, type: prop.type, collection: !!prop.collection, get: (s) => s.root[name] };
  }

  private extensionProperty(name: string): PropertyDef | undefined {
    if (!/^extension_/i.test(name)) return undefined;
    const def = this.opts.extension?.(name);
    if (!def || def.filter) return def;
    const filter = def.collection ? { ...EXTENSION_FILTER, any: 'D' as const } : EXTENSION_FILTER;
    return { ...def, filter };
  }

  /** `a/b`: a member of a single-valued complex property. */
  private bindMember(parent: BoundPath, segment: string, node: PathNode): BoundPath {
    if (parent.collection) {
      throw clauseError(
        this.text,
        node.pos,
        `The parent value for a property access of a property '${segment}' is not a single value. ` +
          'A property access can only be applied to a single value',
      );
    }
    const member = complexType(parent.type)?.properties.find((p) => lower(p.name) === lower(segment));
    if (!member) {
      const typeName = parent.type.startsWith('Edm.') ? parent.type : `microsoft.graph.${parent.type}`;
      throw badRequest(`Could not find a property named '${segment}' on type '${typeName}'.`);
    }
    const name = member.name;
    const get: Getter = (s) => {
      const owner = parent.get(s);
      return isRecord(owner) ? owner[name] : undefined;
    };
    return { subject: parent.subject, type: member.type, collection: !!member.collection, get };
  }

  /** ODataLib refuses comparisons whose operand types do not match (`accountEnabled eq 'true'`). */
  private checkLiteral(path: BoundPath, literal: LiteralNode, operatorKind: string): void {
    if (compatible(path.type, literal)) return;
    const left = path.type.startsWith('Edm.') ? path.type : `microsoft.graph.${path.type}`;
    throw clauseError(
      this.text,
      literal.pos,
      'A binary operator with incompatible types was detected. ' +
        `Found operand types '${left}' and '${literalEdmType(literal)}' for operator kind '${operatorKind}'`,
    );
  }

  private need(subject: PropertyDef, op: Need['op'], shownAs: string): void {
    this.needs.push({ subject, op, shownAs });
  }

  private resourceName(): string {
    const name = this.opts.entity.name;
    return name.charAt(0).toUpperCase() + name.slice(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation helpers

function isRecord(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Missing and null are the same thing; an empty collection counts as null too. */
function isNullValue(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
}

function lookup(scope: Scope | undefined, name: string): unknown {
  for (let s = scope; s; s = s.parent) if (s.name === name) return s.value;
  return undefined;
}

/** A collection property compared directly (`proxyAddresses eq 'x'`) matches when any element does. */
function anyValue(path: BoundPath, test: (value: unknown) => boolean): Eval {
  if (!path.collection) return (scope) => test(path.get(scope));
  return (scope) => asArray(path.get(scope)).some(test);
}

function compatible(type: string, literal: Literal): boolean {
  switch (type) {
    case 'Edm.String':
      return literal.type === 'string';
    case 'Edm.Boolean':
      return literal.type === 'boolean';
    case 'Edm.Int32':
    case 'Edm.Int64':
      return literal.type === 'number' && Number.isInteger(literal.value);
    case 'Edm.Guid':
      return literal.type === 'guid';
    case 'Edm.DateTimeOffset':
      return literal.type === 'dateTimeOffset' || literal.type === 'date';
    case 'Edm.Date':
      return literal.type === 'date';
    default:
      return false;
  }
}

function literalEdmType(literal: Literal): string {
  switch (literal.type) {
    case 'string':
      return 'Edm.String';
    case 'number':
      return Number.isInteger(literal.value) ? 'Edm.Int32' : 'Edm.Double';
    case 'boolean':
      return 'Edm.Boolean';
    case 'guid':
      return 'Edm.Guid';
    case 'dateTimeOffset':
      return 'Edm.DateTimeOffset';
    case 'date':
      return 'Edm.Date';
    case 'null':
      return 'null';
  }
}

type Key = string | number | boolean;

/** Literal in the same comparable domain as `valueKey`: lower-cased text, epoch milliseconds, ... */
function literalKey(literal: Literal): Key | undefined {
  switch (literal.type) {
    case 'string':
    case 'guid':
      return lower(literal.value);
    case 'dateTimeOffset':
    case 'date':
      return literal.epochMs;
    case 'number':
    case 'boolean':
      return literal.value;
    case 'null':
      return undefined;
  }
}

/** A stored value as a comparable key; `undefined` when missing or not of the property's type. */
function valueKey(type: string, value: unknown): Key | undefined {
  switch (type) {
    case 'Edm.String':
    case 'Edm.Guid':
      return typeof value === 'string' ? lower(value) : undefined;
    case 'Edm.DateTimeOffset':
    case 'Edm.Date': {
      const ms = typeof value === 'string' ? parseInstant(value) : Number.NaN;
      return Number.isNaN(ms) ? undefined : ms;
    }
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'Edm.Int32':
    case 'Edm.Int64':
      return typeof value === 'number' ? value : undefined;
    default:
      return undefined;
  }
}

/** Stored timestamps without an offset are UTC (Date.parse would read them as local time). */
function parseInstant(value: string): number {
  const hasOffset = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) || !value.includes('T');
  return Date.parse(hasOffset ? value : `${value}Z`);
}

function comparator(op: CompareOp, type: string, literal: Literal): (value: unknown) => boolean {
  const want = literalKey(literal)!;
  const order: Readonly<Record<CompareOp, (got: Key) => boolean>> = {
    eq: (got) => got === want,
    ne: (got) => got !== want,
    gt: (got) => got > want,
    ge: (got) => got >= want,
    lt: (got) => got < want,
    le: (got) => got <= want,
  };
  const test = order[op];
  return (value) => {
    const got = valueKey(type, value);
    return got !== undefined && test(got);
  };
}

/**
 * Validates the whole filter against `opts` (names, types, per-property support, advanced-only
 * operators) and only then returns the predicate, so a refused query never evaluates anything.
 */
export function compileFilter(text: string, opts: FilterOptions): Predicate {
  const binder = new Binder(text, opts);
  const evaluate = binder.bind(parseFilter(text), new Map());
  binder.checkSupport();
  return (obj) => evaluate({ root: obj });
}

// ---------------------------------------------------------------------------------------------
// Delta

const GUID_TEXT_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * For delta: Graph accepts only `id eq '<id>'` combined with `or`. Returns the ids (duplicates dropped),
 * or throws Graph's 400 Request_UnsupportedQuery. Syntax errors stay the parser's 400 BadRequest.
 */
export function deltaIdFilter(text: string, maxIds: number): string[] {
  const terms: FilterAst[] = [];
  collectOrTerms(parseFilter(text), terms);
  if (terms.length > maxIds) {
    throw unsupportedQuery(
      `Too many ids in the delta $filter: ${terms.length}; at most ${maxIds} are allowed.`,
    );
  }
  const ids = new Map<string, string>();
  for (const term of terms) {
    const id = deltaId(term);
    if (!ids.has(lower(id))) ids.set(lower(id), id);
  }
  return [...ids.values()];
}

function collectOrTerms(node: FilterAst, out: FilterAst[]): void {
  if (node.kind === 'or') for (const operand of node.operands) collectOrTerms(operand, out);
  else out.push(node);
}

function deltaId(term: FilterAst): string {
  const isIdEq =
    term.kind === 'compare' && term.op === 'eq' && term.path.segments.join('/').toLowerCase() === 'id';
  if (!isIdEq) {
    throw unsupportedQuery(
      `Unsupported delta $filter: only "id eq '<id>'" clauses combined with 'or' are supported; ` +
        `found ${describe(term)} at position ${term.pos}.`,
    );
  }
  const value = term.value;
  if (value.type !== 'string' || !GUID_TEXT_RE.test(value.value)) {
    const shown = value.type === 'string' ? `'${value.value}'` : String(value.value);
    throw unsupportedQuery(
      `Unsupported delta $filter: the id must be an object id in quotes; found ${shown} at position ${value.pos}.`,
    );
  }
  return value.value;
}

/** Short name of a clause for error messages. */
function describe(node: FilterAst): string {
  switch (node.kind) {
    case 'compare':
    case 'in':
      return `'${node.path.segments.join('/')} ${node.kind === 'in' ? 'in' : node.op}'`;
    case 'function':
      return `'${node.name}'`;
    case 'lambda':
      return `'${node.path.segments.join('/')}/${node.op}'`;
    default:
      return `'${node.kind}'`;
  }
}
