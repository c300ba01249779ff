// A minimal pickle interpreter for the `data.pkl` of a torch.save state dict (Python's pickle
// protocols 2–5, the opcodes such a file uses). It builds plain values and refuses every GLOBAL
// but the few a state dict names, so no code is ever named into existence: anything else is an
// error naming the opcode or the global.

/** A storage named by a persistent id: `('storage', torch.<Type>Storage, key, location, numel)`. */
export interface PickledStorage {
  kind: 'storage';
  /** The storage class, e.g. `'FloatStorage'`. */
  type: string;
  /** Its key: the entry `<archive>/data/<key>`. */
  key: string;
  /** Elements the storage holds. */
  numel: number;
}

/** A tensor rebuilt by `torch._utils._rebuild_tensor_v2`: a strided view of a storage. */
export interface PickledTensor {
  kind: 'tensor';
  storage: PickledStorage;
  /** First element, in storage elements. */
  offset: number;
  shape: number[];
  /** Strides, in storage elements. */
  stride: number[];
}

/** A Python tuple. */
export interface PickledTuple {
  kind: 'tuple';
  items: PickledValue[];
}

/** A GLOBAL that the interpreter allows (a class or function of a state dict). */
export interface PickledGlobal {
  kind: 'global';
  module: string;
  name: string;
}

/** A dict key: the hashable values a state dict uses. */
export type PickledKey = string | number | boolean | null;

/** What the interpreter builds. Dicts and OrderedDicts are Maps; lists are arrays. */
export type PickledValue = PickledKey | PickledTuple | PickledValue[] | Map<PickledKey, PickledValue> | PickledGlobal | PickledStorage | PickledTensor;

/** Storage classes of `torch`, by name: the safetensors-style dtype and the element size in bytes. */
export const TORCH_STORAGES: Readonly<Record<string, { dtype: string; bytes: number }>> = {
  FloatStorage: { dtype: 'F32', bytes: 4 },
  HalfStorage: { dtype: 'F16', bytes: 2 },
  BFloat16Storage: { dtype: 'BF16', bytes: 2 },
  DoubleStorage: { dtype: 'F64', bytes: 8 },
  LongStorage: { dtype: 'I64', bytes: 8 },
  IntStorage: { dtype: 'I32', bytes: 4 },
  ShortStorage: { dtype: 'I16', bytes: 2 },
  CharStorage: { dtype: 'I8', bytes: 1 },
  ByteStorage: { dtype: 'U8', bytes: 1 },
  BoolStorage: { dtype: 'BOOL', bytes: 1 },
};

const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  ...Object.keys(TORCH_STORAGES).map((s) => `torch.${s}`),
]);

const OPCODE_NAMES: Record<number, string> = {
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x69: 'INST', 0x6f: 'OBJ',
  0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x50: 'PERSID', 0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING',
  0x56: 'UNICODE', 0x70: 'PUT', 0x67: 'GET', 0x8b: 'LONG4', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x32: 'DUP',
};

const MARK = Symbol('mark');
type Slot = PickledValue | typeof MARK;

const isMap = (v: unknown): v is Map<PickledKey, PickledValue> => v instanceof Map;
const isTuple = (v: unknown): v is PickledTuple => typeof v === 'object' && v !== null && (v as PickledTuple).kind === 'tuple';
const describe = (v: Slot): string =>
  v === MARK ? 'a MARK' : v === null ? 'None' : Array.isArray(v) ? 'a list' : isMap(v) ? 'a dict' : typeof v === 'object' ? `a ${v.kind}` : `${typeof v} ${JSON.stringify(v)}`;

/**
 * Runs the pickle program `bytes` and returns the value it builds. `fail` must throw. Allowed:
 * PROTO, FRAME, STOP, MARK, tuples, lists, dicts, None, booleans, ints (BININT*, LONG1, within
 * ±2^53), BINFLOAT, unicode strings, the memo (PUT/GET/MEMOIZE), POP, POP_MARK, BINPERSID
 * (storages), GLOBAL/STACK_GLOBAL of `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
 * `torch._utils._rebuild_parameter` and `torch.<Type>Storage`, REDUCE of those, and BUILD of an
 * OrderedDict (its `_metadata` attribute, ignored).
 */
export function runPickle(bytes: Uint8Array, fail: (message: string) => never): PickledValue {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PickledValue>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let p = 0;
  const need = (n: number, op: string): number => {
    if (n > bytes.length - p) fail(`data.pkl ends inside ${op} (needs ${n} more bytes at offset ${p}); the file is truncated or corrupt`);
    const at = p;
    p += n;
    return at;
  };
  const pop = (op: string): PickledValue => {
    const v = stack.pop();
    if (v === undefined) fail(`${op} at offset ${p - 1} pops an empty stack; data.pkl is corrupt`);
    if (v === MARK) fail(`${op} at offset ${p - 1} pops a MARK; data.pkl is corrupt`);
    return v as PickledValue;
  };
  const popMark = (op: string): PickledValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail(`${op} at offset ${p - 1} has no MARK before it; data.pkl is corrupt`);
    const items = stack.splice(i) as PickledValue[];
    items.shift();
    return items;
  };
  const top = (op: string): PickledValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail(`${op} at offset ${p - 1} needs a value on the stack; data.pkl is corrupt`);
    return v as PickledValue;
  };
  const text = (at: number, n: number, op: string): string => {
    try {
      return decoder.decode(bytes.subarray(at, at + n));
    } catch {
      return fail(`${op} at offset ${at} is not UTF-8; data.pkl is corrupt`);
    }
  };
  const key = (v: PickledValue, op: string): PickledKey => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    return fail(`${op} at offset ${p - 1}: a dict key is ${describe(v)}; a state dict's keys are strings`);
  };
  const setItems = (target: PickledValue, items: PickledValue[], op: string) => {
    if (!isMap(target)) fail(`${op} at offset ${p - 1} sets items on ${describe(target)}, not a dict; data.pkl is corrupt`);
    if (items.length % 2) fail(`${op} at offset ${p - 1} has an odd number of keys and values; data.pkl is corrupt`);
    for (let i = 0; i < items.length; i += 2) (target as Map<PickledKey, PickledValue>).set(key(items[i]!, op), items[i + 1]!);
  };
  const global = (module: string, name: string, op: string): PickledGlobal => {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) fail(`${op} '${full}' is not part of a state dict of tensors; save model.state_dict() with torch.save (this reader builds only OrderedDicts, tensors and storages)`);
    return { kind: 'global', module, name };
  };
  const put = (index: number, op: string) => memo.set(index, top(op));
  const get = (index: number, op: string) => {
    const v = memo.get(index);
    if (v === undefined) fail(`${op} at offset ${p - 1} reads memo slot ${index}, which was never set; data.pkl is corrupt`);
    stack.push(v!);
  };

  while (true) {
    if (p >= bytes.length) fail(`data.pkl ends at offset ${p} without a STOP opcode; the file is truncated or corrupt`);
    const op = bytes[p++]!;
    switch (op) {
      case 0x80: { // PROTO
        const v = bytes[need(1, 'PROTO')]!;
        if (v < 2 || v > 5) fail(`pickle protocol ${v} is not one torch.save writes (2–5); the file is corrupt`);
        break;
      }
      case 0x95: need(8, 'FRAME'); break; // FRAME: a length hint
      case 0x2e: { // STOP
        if (p !== bytes.length) fail(`data.pkl has ${bytes.length - p} bytes after STOP; the file is corrupt`);
        const v = pop('STOP');
        if (stack.length) fail(`STOP leaves ${stack.length} more values on the stack; data.pkl is corrupt`);
        return v;
      }
      case 0x28: stack.push(MARK); break;
      case 0x29: stack.push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
      case 0x74: stack.push({ kind: 'tuple', items: popMark('TUPLE') }); break;
      case 0x85: stack.push({ kind: 'tuple', items: [pop('TUPLE1')] }); break;
      case 0x86: { const b = pop('TUPLE2'); const a = pop('TUPLE2'); stack.push({ kind: 'tuple', items: [a, b] }); break; }
      case 0x87: { const c = pop('TUPLE3'); const b = pop('TUPLE3'); const a = pop('TUPLE3'); stack.push({ kind: 'tuple', items: [a, b, c] }); break; }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark('LIST')); break;
      case 0x61: { // APPEND
        const v = pop('APPEND');
        const list = top('APPEND');
        if (!Array.isArray(list)) fail(`APPEND at offset ${p - 1} appends to ${describe(list)}, not a list; data.pkl is corrupt`);
        (list as PickledValue[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark('APPENDS');
        const list = top('APPENDS');
        if (!Array.isArray(list)) fail(`APPENDS at offset ${p - 1} appends to ${describe(list)}, not a list; data.pkl is corrupt`);
        (list as PickledValue[]).push(...items);
        break;
      }
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x64: { const m = new Map<PickledKey, PickledValue>(); setItems(m, popMark('DICT'), 'DICT'); stack.push(m); break; }
      case 0x73: { const v = pop('SETITEM'); const k = pop('SETITEM'); setItems(top('SETITEM'), [k, v], 'SETITEM'); break; }
      case 0x75: { const items = popMark('SETITEMS'); setItems(top('SETITEMS'), items, 'SETITEMS'); break; }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: stack.push(dv.getInt32(need(4, 'BININT'), true)); break;
      case 0x4b: stack.push(bytes[need(1, 'BININT1')]!); break;
      case 0x4d: stack.push(dv.getUint16(need(2, 'BININT2'), true)); break;
      case 0x8a: { // LONG1: n bytes, little-endian two's complement
        const n = bytes[need(1, 'LONG1')]!;
        const at = need(n, 'LONG1');
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) fail(`LONG1 at offset ${at - 2} is ${v}, beyond ±2^53; the file is corrupt`);
        stack.push(Number(v));
        break;
      }
      case 0x47: stack.push(dv.getFloat64(need(8, 'BINFLOAT'), false)); break;
      case 0x58: { const n = dv.getUint32(need(4, 'BINUNICODE'), true); stack.push(text(need(n, 'BINUNICODE'), n, 'BINUNICODE')); break; }
      case 0x8c: { const n = bytes[need(1, 'SHORT_BINUNICODE')]!; stack.push(text(need(n, 'SHORT_BINUNICODE'), n, 'SHORT_BINUNICODE')); break; }
      case 0x8d: {
        const n = dv.getBigUint64(need(8, 'BINUNICODE8'), true);
        if (n > BigInt(bytes.length - p)) fail(`data.pkl ends inside BINUNICODE8 (needs ${n} more bytes at offset ${p}); the file is truncated or corrupt`);
        stack.push(text(need(Number(n), 'BINUNICODE8'), Number(n), 'BINUNICODE8'));
        break;
      }
      case 0x63: { // GLOBAL: 'module\nname\n'
        const end1 = bytes.indexOf(0x0a, p);
        const end2 = end1 < 0 ? -1 : bytes.indexOf(0x0a, end1 + 1);
        if (end2 < 0) fail(`data.pkl ends inside GLOBAL at offset ${p - 1}; the file is truncated or corrupt`);
        const module = text(p, end1 - p, 'GLOBAL');
        const name = text(end1 + 1, end2 - end1 - 1, 'GLOBAL');
        p = end2 + 1;
        stack.push(global(module, name, 'GLOBAL'));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop('STACK_GLOBAL');
        const module = pop('STACK_GLOBAL');
        if (typeof module !== 'string' || typeof name !== 'string') fail(`STACK_GLOBAL at offset ${p - 1} needs two strings; data.pkl is corrupt`);
        stack.push(global(module as string, name as string, 'STACK_GLOBAL'));
        break;
      }
      case 0x71: put(bytes[need(1, 'BINPUT')]!, 'BINPUT'); break;
      case 0x72: put(dv.getUint32(need(4, 'LONG_BINPUT'), true), 'LONG_BINPUT'); break;
      case 0x94: put(memo.size, 'MEMOIZE'); break;
      case 0x68: get(bytes[need(1, 'BINGET')]!, 'BINGET'); break;
      case 0x6a: get(dv.getUint32(need(4, 'LONG_BINGET'), true), 'LONG_BINGET'); break;
      case 0x30: pop('POP'); break;
      case 0x31: popMark('POP_MARK'); break;
      case 0x51: stack.push(persistentLoad(pop('BINPERSID'), fail)); break;
      case 0x52: { // REDUCE
        const args = pop('REDUCE');
        const callable = pop('REDUCE');
        stack.push(reduce(callable, args, fail));
        break;
      }
      case 0x62: { // BUILD: only an OrderedDict's attributes (a state dict's `_metadata`)
        const state = pop('BUILD');
        const target = top('BUILD');
        if (!isMap(target) || !(state === null || isMap(state))) fail(`BUILD at offset ${p - 1} sets state ${describe(state)} on ${describe(target)}; only an OrderedDict's attributes are allowed`);
        break;
      }
      default:
        fail(`pickle opcode 0x${op.toString(16).padStart(2, '0')}${OPCODE_NAMES[op] ? ` (${OPCODE_NAMES[op]})` : ''} at offset ${p - 1} is not used by a torch.save state dict; save model.state_dict() with torch.save`);
    }
  }
}

const int = (v: PickledValue, what: string, fail: (m: string) => never): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is ${describe(v)}, not a non-negative integer; data.pkl is corrupt`);
  return v as number;
};

function persistentLoad(pid: PickledValue, fail: (m: string) => never): PickledStorage {
  if (!isTuple(pid) || pid.items.length !== 5 || pid.items[0] !== 'storage') fail(`a persistent id is ${describe(pid)}, not ('storage', type, key, location, numel); data.pkl is corrupt`);
  const [, type, key, location, numel] = (pid as PickledTuple).items;
  const t = type as PickledGlobal;
  if (typeof type !== 'object' || type === null || t.kind !== 'global' || t.module !== 'torch' || !Object.hasOwn(TORCH_STORAGES, t.name)) {
    fail(`a persistent id names storage type ${describe(type!)}, not a torch.<Type>Storage; data.pkl is corrupt`);
  }
  if (typeof key !== 'string' || typeof location !== 'string') fail('a persistent id has a key or location that is not a string; data.pkl is corrupt');
  return { kind: 'storage', type: t.name, key: key as string, numel: int(numel!, `storage '${String(key)}' numel`, fail) };
}

function reduce(callable: PickledValue, args: PickledValue, fail: (m: string) => never): PickledValue {
  const g = callable as PickledGlobal;
  if (typeof callable !== 'object' || callable === null || g.kind !== 'global') fail(`REDUCE calls ${describe(callable)}, not an allowed global; data.pkl is corrupt`);
  if (!isTuple(args)) fail(`REDUCE of ${g.module}.${g.name} has arguments ${describe(args)}, not a tuple; data.pkl is corrupt`);
  const a = (args as PickledTuple).items;
  const full = `${g.module}.${g.name}`;
  if (full === 'collections.OrderedDict') {
    if (a.length !== 0) fail('OrderedDict is called with arguments; a state dict builds it empty');
    return new Map();
  }
  if (full === 'torch._utils._rebuild_parameter') {
    const t = a[0] as PickledTensor;
    if (a.length !== 3 || typeof t !== 'object' || t === null || t.kind !== 'tensor') fail('_rebuild_parameter needs (tensor, requires_grad, hooks); data.pkl is corrupt');
    return t;
  }
  if (full === 'torch._utils._rebuild_tensor_v2') {
    if (a.length !== 6 && a.length !== 7) fail(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${a.length}; data.pkl is corrupt`);
    const [storage, offset, shape, stride] = a;
    const s = storage as PickledStorage;
    if (typeof storage !== 'object' || storage === null || s.kind !== 'storage') fail(`_rebuild_tensor_v2's storage is ${describe(storage!)}; data.pkl is corrupt`);
    if (!isTuple(shape) || !isTuple(stride)) fail("_rebuild_tensor_v2's size and stride must be tuples; data.pkl is corrupt");
    const sh = (shape as PickledTuple).items.map((d, i) => int(d, `size[${i}]`, fail));
    const st = (stride as PickledTuple).items.map((d, i) => int(d, `stride[${i}]`, fail));
    if (sh.length !== st.length) fail(`_rebuild_tensor_v2's size has ${sh.length} dimensions, its stride ${st.length}; data.pkl is corrupt`);
    return { kind: 'tensor', storage: s, offset: int(offset!, 'storage offset', fail), shape: sh, stride: st };
  }
  return fail(`REDUCE calls ${full}, which builds no part of a state dict`);
}
