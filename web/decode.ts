/**
 * Decoding in the browser: the browser's own image decoder (createImageBitmap)
 * and a canvas give RGBA pixels, the same {@link RawImage} that jimp gives in
 * Node; from there both run src/data/image/preprocess.ts.
 *
 * No colour-space conversion and no premultiplication, so the bytes are the
 * file's; EXIF orientation is applied, as jimp does for a JPEG with EXIF.
 * Decoders still differ in their last bit (JPEG chroma upsampling, IDCT
 * rounding): a few levels on some pixels, mostly averaged away by the resize.
 */
import type { RawImage } from '../src/data/image/decode.js';

const pixelsOf = (source: CanvasImageSource, width: number, height: number): RawImage => {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
  if (context === null) throw new Error('no 2d canvas');
  context.drawImage(source, 0, 0);
  const { data } = context.getImageData(0, 0, width, height);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height, channels: 4 };
};

/** Decodes an encoded image (a file, a fetched blob). */
export const decodeBlob = async (blob: Blob): Promise<RawImage> => {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
  try {
    return pixelsOf(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
};

/** The current frame of a playing video (the camera). */
export const decodeVideoFrame = (video: HTMLVideoElement): RawImage => pixelsOf(video, video.videoWidth, video.videoHeight);
