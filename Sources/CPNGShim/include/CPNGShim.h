// Reading PNG files through libpng, for LMConv's PNG.decode. libpng reports errors by longjmp back to a setjmp,
// which Swift cannot call; this C function does the setjmp and turns every libpng error into a message.
#ifndef CPNGSHIM_H
#define CPNGSHIM_H

#include <stddef.h>

/// The outcome of lmconv_png_decode.
typedef struct {
    /// The image: 8-bit samples, 1 (gray) or 3 (RGB) channels, interleaved (H, W, C). malloc'ed; free it with
    /// lmconv_png_free. NULL on failure.
    unsigned char *pixels;
    unsigned width;
    unsigned height;
    unsigned channels;
    /// On failure: 1 when the data ends before the file does (a chunk claims more bytes than are left, or there is
    /// no IEND chunk): a truncated file. 0 for any other error.
    int truncated;
    /// On failure: libpng's error, then its warnings in parentheses (e.g. which IHDR field is invalid); one line.
    char message[320];
} LMConvPNGResult;

/// Decodes the PNG file `bytes` (`count` bytes, signature included) into 8-bit gray or RGB: palettes expanded to
/// RGB, 1-, 2- and 4-bit gray scaled to 0...255, 16-bit samples rounded to 8 bits (v * 255 / 65535, to nearest),
/// alpha and tRNS transparency dropped, Adam7 interlacing undone. Every chunk's CRC is checked. Images wider or
/// taller than 2^24 pixels or with more than 2^30 pixels are refused. Returns 0 on success, -1 on failure (with
/// `result->message` set and nothing left to free).
int lmconv_png_decode(const unsigned char *bytes, size_t count, LMConvPNGResult *result);

/// Frees the pixels of a successful lmconv_png_decode.
void lmconv_png_free(LMConvPNGResult *result);

#endif
