// The user's own images: a picked folder (webkitdirectory), a dropped folder, or camera
// snapshots with a label. Image files are collected as `class/name` → bytes and handed to the
// worker, which checks each one; files that are not images are passed on as skipped.
import type { SkippedFile } from '../protocol';
import { sortPickedFiles } from './picked-files';

/** What the worker is given: the image files' bytes and the files skipped by their name. */
export type UserFilesHandler = (files: { path: string; bytes: ArrayBuffer }[], ignored: SkippedFile[]) => void;

/** Collected files by relative path. */
export class UserImages {
  private folder: { path: string; bytes: ArrayBuffer }[] = [];
  private ignored: SkippedFile[] = [];
  private readonly camera = new Map<string, ArrayBuffer>();
  private snapCount = 0;

  constructor(private readonly onChange: UserFilesHandler) {}

  /** Replaces the folder images with these files (from an `<input webkitdirectory>`). */
  async setFolderFiles(files: Iterable<File>): Promise<void> {
    await this.setFolder([...files].map((file) => ({ path: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name, file })));
  }

  /** Reads a drag-and-drop of folders (through the entries API) and uses it as the folder images. */
  async setDropped(items: DataTransferItemList): Promise<void> {
    const entries = [...items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => e != null);
    const files: { path: string; file: File }[] = [];
    for (const e of entries) await walk(e, '', files);
    await this.setFolder(files);
  }

  private async setFolder(files: { path: string; file: File }[]): Promise<void> {
    const picked = sortPickedFiles(files.map((f) => f.path));
    this.folder = await Promise.all(picked.images.map(async ({ index, path }) => ({ path, bytes: await files[index].file.arrayBuffer() })));
    this.ignored = picked.ignored;
    this.emit();
  }

  /** Adds one camera snapshot (PNG bytes) under `label`. */
  addSnapshot(label: string, png: ArrayBuffer): void {
    const clean = label.trim().replace(/[/\\]/g, '_') || 'unlabelled';
    this.camera.set(`${clean}/snap-${String(++this.snapCount).padStart(4, '0')}.png`, png);
    this.emit();
  }

  /** Forgets every image. */
  clear(): void {
    this.folder = [];
    this.ignored = [];
    this.camera.clear();
    this.emit();
  }

  /** Hands the collected files over again (to a new worker); nothing when there is none. */
  sendAgain(): void {
    if (this.folder.length + this.ignored.length + this.camera.size > 0) this.emit();
  }

  /** Number of images collected. */
  get size(): number {
    return this.folder.length + this.camera.size;
  }

  private emit(): void {
    const files = this.folder.map((f) => ({ path: f.path, bytes: f.bytes.slice(0) }));
    for (const [path, b] of this.camera) files.push({ path, bytes: b.slice(0) });
    this.onChange(files, [...this.ignored]);
  }
}

async function walk(entry: FileSystemEntry, prefix: string, out: { path: string; file: File }[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ path, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, path, out);
  }
}

/** A camera preview with a snapshot button. */
export class Camera {
  private stream: MediaStream | null = null;

  constructor(private readonly video: HTMLVideoElement) {}

  /** Starts the camera (asks for permission). */
  async start(): Promise<void> {
    if (this.stream) return;
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser has no camera API (getUserMedia); it needs https or localhost');
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
    this.video.srcObject = this.stream;
    await this.video.play();
  }

  /** Stops the camera. */
  stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  /** True while the camera runs. */
  get running(): boolean {
    return this.stream != null;
  }

  /** A centred square snapshot, `size`×`size` PNG bytes. */
  async snapshot(size = 96): Promise<ArrayBuffer> {
    const v = this.video;
    if (!this.stream || v.videoWidth === 0) throw new Error('start the camera first');
    const side = Math.min(v.videoWidth, v.videoHeight);
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    canvas.getContext('2d')!.drawImage(v, (v.videoWidth - side) / 2, (v.videoHeight - side) / 2, side, side, 0, 0, size, size);
    const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/png'));
    if (!blob) throw new Error('could not encode the snapshot');
    return blob.arrayBuffer();
  }
}
