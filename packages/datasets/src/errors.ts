import { OdlError } from '@odl/backend';

/**
 * Base class of every error the dataset readers throw on purpose. `code` is stable and
 * machine-readable; `file` names the file (or `'<bytes>'` for in-memory input) and the message
 * says what is wrong and how to fix it.
 *
 * @example
 * ```ts
 * try { parseIdx(bytes, 'train-images.gz'); }
 * catch (e) { if (e instanceof DatasetError) console.error(e.code, e.file); }
 * ```
 */
export class DatasetError extends OdlError {
  /** The file (path, URL or `'<bytes>'`) the problem was found in. */
  readonly file: string;
  /** The message without the leading file name: what is wrong and how to fix it. */
  readonly detail: string;

  constructor(code: string, file: string, message: string) {
    super(code, `${file}: ${message}`);
    this.file = file;
    this.detail = message;
  }
}

/**
 * The file ends before the data its header announces (code `'truncated-file'`).
 *
 * @example
 * ```ts
 * throw new TruncatedFileError('labels.idx', 'needs 60008 bytes, has 1000; re-download it');
 * ```
 */
export class TruncatedFileError extends DatasetError {
  constructor(file: string, message: string) {
    super('truncated-file', file, message);
  }
}

/**
 * The file does not start with the magic number of the expected format (code `'bad-magic'`).
 *
 * @example
 * ```ts
 * throw new BadMagicError('x.idx', 'magic 0x00000900 is not an IDX magic');
 * ```
 */
export class BadMagicError extends DatasetError {
  constructor(file: string, message: string) {
    super('bad-magic', file, message);
  }
}

/**
 * The file has the right magic but an impossible structure: a corrupt gzip stream, trailing
 * bytes, an unsupported element type, a zero-sized dimension (code `'corrupt-file'`).
 *
 * @example
 * ```ts
 * throw new CorruptFileError('x.gz', 'gzip CRC mismatch; the download is damaged');
 * ```
 */
export class CorruptFileError extends DatasetError {
  constructor(file: string, message: string) {
    super('corrupt-file', file, message);
  }
}

/**
 * The number of images and the number of labels disagree (code `'count-mismatch'`).
 *
 * @example
 * ```ts
 * throw new CountMismatchError('labels.idx', '60000 images but 10000 labels');
 * ```
 */
export class CountMismatchError extends DatasetError {
  constructor(file: string, message: string) {
    super('count-mismatch', file, message);
  }
}

/**
 * A label is negative or not below the number of classes (code `'label-out-of-range'`).
 *
 * @example
 * ```ts
 * throw new LabelRangeError('data_batch_1.bin', 'record 7 has label 12; CIFAR-10 labels are 0..9');
 * ```
 */
export class LabelRangeError extends DatasetError {
  constructor(file: string, message: string) {
    super('label-out-of-range', file, message);
  }
}

/**
 * An image folder has no class subfolders, or a class subfolder has no images
 * (code `'empty-folder'`).
 *
 * @example
 * ```ts
 * throw new EmptyFolderError('pets/cat', 'class folder has no .png/.jpg images');
 * ```
 */
export class EmptyFolderError extends DatasetError {
  constructor(file: string, message: string) {
    super('empty-folder', file, message);
  }
}

/**
 * The largest class of an image folder has more than the allowed multiple of the smallest
 * class's images (code `'unbalanced-folder'`).
 *
 * @example
 * ```ts
 * throw new UnbalancedFolderError('pets', "class 'cat' has 500 images, 'dog' 3 (ratio 166 > 10)");
 * ```
 */
export class UnbalancedFolderError extends DatasetError {
  constructor(file: string, message: string) {
    super('unbalanced-folder', file, message);
  }
}

/**
 * An image file cannot be decoded (unknown format, corrupt or truncated data, too large)
 * (code `'undecodable-image'`).
 *
 * @example
 * ```ts
 * throw new ImageDecodeError('cat/1.png', 'PNG decoder: invalid signature');
 * ```
 */
export class ImageDecodeError extends DatasetError {
  constructor(file: string, message: string) {
    super('undecodable-image', file, message);
  }
}

/**
 * An image's size or channel count differs from the dataset's (code `'image-size-mismatch'`).
 *
 * @example
 * ```ts
 * throw new ImageSizeError('cat/2.png', 'is 30x28, expected 28x28; pass `size` to resize');
 * ```
 */
export class ImageSizeError extends DatasetError {
  constructor(file: string, message: string) {
    super('image-size-mismatch', file, message);
  }
}

/**
 * A file named by a split list, or required by a loader, does not exist (code `'missing-file'`).
 *
 * @example
 * ```ts
 * throw new MissingFileError('splits/train.txt', "lists 'cat/9.png', which does not exist");
 * ```
 */
export class MissingFileError extends DatasetError {
  constructor(file: string, message: string) {
    super('missing-file', file, message);
  }
}

/**
 * A file exists but cannot be read as data: it is a folder or a device, permission is denied,
 * it is larger than the caller's limit, or the read fails (code `'unreadable-file'`).
 *
 * @example
 * ```ts
 * throw new UnreadableFileError('/dev/zero', 'is not a regular file; pass the path of a data file');
 * ```
 */
export class UnreadableFileError extends DatasetError {
  constructor(file: string, message: string) {
    super('unreadable-file', file, message);
  }
}
