export {
  DatasetError, TruncatedFileError, BadMagicError, CorruptFileError, CountMismatchError, LabelRangeError,
  EmptyFolderError, UnbalancedFolderError, ImageDecodeError, ImageSizeError, MissingFileError, UnreadableFileError,
} from './errors';
export {
  createImageDataset, getImage, selectIndices, selectClasses, relabelDataset, classCounts, concatDatasets,
} from './dataset';
export type { ImageDataset, ImageView, ImageDatasetInit, PixelArray, SelectClassesOptions } from './dataset';
export { isGzip, gunzip, maybeGunzip, crc32 } from './formats/gzip';
export { adler32 } from './formats/zlib';
export { checkLabels, DEFAULT_MAX_CLASSES } from './formats/labels';
export type { LabelCheckOptions } from './formats/labels';
export type { GunzipOptions } from './formats/gzip';
export { parseIdx, encodeIdx, idxToDataset } from './formats/idx';
export type { IdxArray, IdxData, IdxDtype, IdxDatasetOptions } from './formats/idx';
export { MNIST_CLASSES, FASHION_MNIST_CLASSES, KMNIST_CLASSES } from './formats/classes';
export { parseCifar10, parseCifar100, CIFAR10_CLASSES, CIFAR100_FINE_CLASSES, CIFAR100_COARSE_CLASSES } from './formats/cifar';
export type { Cifar10Options, Cifar100Options } from './formats/cifar';
export { pngSize, decodeJpeg, convertChannels, createBrowserImageDecoder } from './formats/image';
export type { DecodedImage, ImageSize, ImageDecoder, SyncImageDecoder } from './formats/image';
export { sniffImageFormat } from './formats/sniff';
export type { ImageFormat } from './formats/sniff';
export { checkImageSize, DEFAULT_MAX_PIXELS } from './formats/image-limits';
export type { DecodeLimits } from './formats/image-limits';
export { checkPng, pngDataBytes } from './formats/png';
export type { PngHeader } from './formats/png';
export { checkJpeg } from './formats/jpeg';
export type { JpegHeader } from './formats/jpeg';
export {
  memoryFileSource, indexImageFolder, loadImageFolder, streamImageFolder, batchSamples,
} from './formats/folder';
export type {
  FileEntry, FileSource, FolderIndexOptions, FolderIndex, FolderFile, ImageLoadOptions, LoadFolderOptions, FolderSample,
  StreamFolderOptions, SampleBatchOptions, SampleBatch,
} from './formats/folder';
export { parseSplitList, normalizeRelativePath, ratioSplit } from './formats/splits';
export type { RatioSplitOptions, SplitIndices } from './formats/splits';
export {
  resizeBilinear, cropImage, centerCropImage, padImage, flipImageHorizontal, normalizeImage, grayscaleToRgbImage,
  resize, centerCrop, randomCrop, randomHorizontalFlip, normalize, toFloat, grayscaleToRgb, compose, mapDataset,
  FASHION_MNIST_STATS, CIFAR10_STATS, CIFAR100_STATS, IMAGENET_STATS,
} from './transforms';
export type { Transform, ChannelStats } from './transforms';
export {
  resizeAntialiasImage, shorterSideSize, defaultResizeTo, checkResizeCrop, resizeCenterCropImage, resizeCenterCrop,
} from './resize-crop';
export type { ResizeCropOptions } from './resize-crop';
export { batchCount, epochOrder, jsBatches, toTensorBatch, tensorBatches } from './batching';
export type { BatchOptions, JsBatch, TensorBatch } from './batching';
export { createNodeImageDecoder, defaultImageDecoder } from './node/decoders';
export {
  readFileBytes, nodeFileSource, loadImageFolderFromDisk, loadIdxFiles, loadCifarFiles,
  DEBIAN_FASHION_MNIST_DIR, hasDebianFashionMnist, loadFashionMnistFromDebian,
} from './node/files';
export {
  loadEmbeddedFashionMnist, resolveEmbeddedDataDir, embeddedFileNames, EMBEDDED_SPLIT_CLASSES,
} from './embedded';
export type { EmbeddedSplit, EmbeddedOptions, EmbeddedFiles } from './embedded';
export type { CifarFilesOptions, ReadFileOptions } from './node/files';
