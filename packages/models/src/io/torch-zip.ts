// A strict reader of the zip archives that torch.save writes (PKWARE APPNOTE: end of central
// directory, central directory, local headers). PyTorch stores every entry uncompressed, so only
// stored entries are read; the CRC-32 of each is checked.
import { crc32 } from '@odl/datasets';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;

/** One entry of a zip archive: its name and its bytes (a view into the file). */
export interface ZipEntry {
  /** Path inside the archive. */
  name: string;
  /** Uncompressed bytes (a view, no copy). */
  data: Uint8Array;
}

/**
 * True when `bytes` start with a zip local-file header (`PK\x03\x04`), as every `.pth` file
 * that `torch.save` writes does.
 *
 * @example
 * ```ts
 * isZip(readFileSync('model.pth')); // true
 * ```
 */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * Reads every entry of a zip archive, strictly: one end-of-central-directory record at the very
 * end (after its comment), a single disk, a central directory that ends where that record
 * starts, and for each entry a local header that agrees with the central one (name, method),
 * data inside the file and before the central directory, no two entries overlapping, no
 * duplicate names, no encryption, stored (uncompressed) data whose CRC-32 matches. Zip64 end
 * records are read (PyTorch always writes them); entries over 4 GiB and compressed entries are
 * refused (PyTorch writes neither for tensors under 4 GiB). Every problem
 * calls `fail`, which must throw.
 */
export function readZipEntries(u8: Uint8Array, fail: (message: string) => never): ZipEntry[] {
  if (u8.length < 22) fail(`file of ${u8.length} bytes is too short for a zip archive; it is truncated or not a .pth file`);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  let eocd = -1;
  for (let i = u8.length - 22; i >= Math.max(0, u8.length - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === EOCD && i + 22 + dv.getUint16(i + 20, true) === u8.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record at the end of the zip archive; the file is truncated or corrupt');
  let disk = dv.getUint16(eocd + 4, true);
  let cdDisk = dv.getUint16(eocd + 6, true);
  let onDisk = dv.getUint16(eocd + 8, true);
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  // PyTorch's writer adds zip64 end records (a locator 20 bytes before the end record) even to
  // small files; their fields then describe the central directory.
  let cdEnd = eocd;
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const big = (at: number, what: string): number => {
      const v = dv.getBigUint64(at, true);
      if (v > BigInt(u8.length)) fail(`the zip64 end record's ${what} (${v}) exceeds the file's ${u8.length} bytes; the file is truncated or corrupt`);
      return Number(v);
    };
    if (dv.getUint32(eocd - 16, true) !== 0 || dv.getUint32(eocd - 4, true) !== 1) fail('the archive spans several disks; a .pth file is a single zip');
    const at = big(eocd - 12, 'offset');
    if (at + 56 > eocd - 20 || dv.getUint32(at, true) !== ZIP64_EOCD) fail(`no zip64 end-of-central-directory record at offset ${at}; the file is corrupt`);
    if (at + 12 + big(at + 4, 'record size') !== eocd - 20) fail('the zip64 end record does not end where its locator starts; the file is corrupt');
    disk = dv.getUint32(at + 16, true);
    cdDisk = dv.getUint32(at + 20, true);
    onDisk = big(at + 24, 'entry count');
    count = big(at + 32, 'entry count');
    cdSize = big(at + 40, 'central directory size');
    cdOffset = big(at + 48, 'central directory offset');
    cdEnd = at;
  } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    fail('the end record defers to a zip64 record that is missing; the file is truncated or corrupt');
  }
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) fail('the archive spans several disks; a .pth file is a single zip');
  if (cdOffset + cdSize !== cdEnd) fail(`the central directory (offset ${cdOffset}, ${cdSize} bytes) does not end where the end records start (${cdEnd}); the file is truncated or corrupt`);
  const entries: ZipEntry[] = [];
  const regions: [number, number, string][] = [];
  const names = new Set<string>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdEnd || dv.getUint32(p, true) !== CENTRAL) fail(`central directory entry ${k} of ${count} is missing or corrupt; the file is corrupt`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    const compressed = dv.getUint32(p + 20, true);
    const size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    const startDisk = dv.getUint16(p + 34, true);
    const local = dv.getUint32(p + 42, true);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdEnd) fail(`central directory entry ${k} runs past the central directory; the file is corrupt`);
    const nameBytes = u8.subarray(p + 46, p + 46 + nameLen);
    let name = '';
    try {
      name = decoder.decode(nameBytes);
    } catch {
      fail(`central directory entry ${k} has a name that is not UTF-8; the file is corrupt`);
    }
    const what = `zip entry '${name}'`;
    if (names.has(name)) fail(`${what} appears twice; the file is corrupt`);
    names.add(name);
    if (flags & 1) fail(`${what} is encrypted; save the state dict with torch.save, unencrypted`);
    if (method === 8) fail(`${what} is deflate-compressed; torch.save writes stored entries, so load the original file (or re-save it with torch.save)`);
    if (method !== 0) fail(`${what} uses compression method ${method}; only stored entries (torch.save's) are read`);
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff) fail(`${what} is over 4 GiB (zip64 entry), which this reader does not load`);
    if (compressed !== size) fail(`${what} is stored but its sizes differ (${compressed} vs ${size}); the file is corrupt`);
    if (startDisk !== 0) fail(`${what} starts on disk ${startDisk}; a .pth file is a single zip`);
    if (local + 30 > cdOffset || dv.getUint32(local, true) !== LOCAL) fail(`${what}: no local header at offset ${local}; the file is corrupt`);
    const localNameLen = dv.getUint16(local + 26, true);
    const localExtraLen = dv.getUint16(local + 28, true);
    const start = local + 30 + localNameLen + localExtraLen;
    if (dv.getUint16(local + 8, true) !== method) fail(`${what}: the local header's compression method differs from the central directory's; the file is corrupt`);
    if (localNameLen !== nameLen || start > cdOffset || !u8.subarray(local + 30, local + 30 + nameLen).every((b, i) => b === nameBytes[i])) {
      fail(`${what}: the local header's name differs from the central directory's; the file is corrupt`);
    }
    const end = start + size;
    if (end > cdOffset) fail(`${what}: its ${size} bytes at offset ${start} run into the central directory; the file is truncated or corrupt`);
    const data = u8.subarray(start, end);
    if (crc32(data) !== crc) fail(`${what}: CRC-32 mismatch; the file is corrupt`);
    entries.push({ name, data });
    regions.push([local, end, name]);
    p = next;
  }
  if (p !== cdEnd) fail(`the central directory has ${cdEnd - p} bytes after its ${count} entries; the file is corrupt`);
  regions.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < regions.length; i++) {
    if (regions[i]![0] < regions[i - 1]![1]) fail(`zip entries '${regions[i - 1]![2]}' and '${regions[i]![2]}' overlap; the file is corrupt`);
  }
  return entries;
}
