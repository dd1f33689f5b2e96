// A tiny C layer over libjpeg-turbo (module SystemJPEG). libjpeg reports errors by calling a handler that must not
// return; the usual remedy is setjmp/longjmp, which Swift cannot do, so it happens here and every function returns
// 0 on success or -1 with libjpeg's one-line message in `message` (LMCONV_JPEG_MESSAGE_SIZE bytes, caller-owned).
#ifndef CJPEGSHIM_H
#define CJPEGSHIM_H

#include <stddef.h>
#include <stdint.h>

#define LMCONV_JPEG_MESSAGE_SIZE 256

/// Decodes the JPEG file in `data` (`size` bytes) to 8-bit pixels, rows top to bottom, interleaved: grayscale files
/// to 1 channel, all others to RGB (3). On success *pixels holds width * height * channels bytes, to be released with
/// lmconv_jpeg_free. libjpeg's warnings (premature end of data, corrupt entropy data, ...) are treated as errors:
/// libjpeg would otherwise return an image with the missing part filled in gray.
int lmconv_jpeg_decode(const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height, int *channels,
                       char *message);

/// Encodes `pixels` (height rows of width * channels bytes, channels 1 or 3) as a baseline JPEG at `quality`
/// (1...100), with 2x2 chroma subsampling when `subsample_chroma` is non-zero (else 4:4:4). On success *jpeg holds
/// *jpeg_size bytes, to be released with lmconv_jpeg_free.
int lmconv_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int subsample_chroma,
                       uint8_t **jpeg, size_t *jpeg_size, char *message);

/// Releases a buffer returned by the functions above.
void lmconv_jpeg_free(void *buffer);

#endif
