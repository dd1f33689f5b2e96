// PNG decoding through libpng with setjmp-based error handling. libpng calls the error function below on any error;
// it records the message and longjmps to the setjmp in lmconv_png_decode, which frees what was allocated.
#include "CPNGShim.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The input (a byte range being read) and where messages go.
typedef struct {
    const unsigned char *bytes;
    size_t count;
    size_t position;
    LMConvPNGResult *result;
    /// Warnings seen so far, "; "-separated (libpng explains an invalid IHDR in warnings before its error).
    char warnings[200];
} Reader;

static void append(char *buffer, size_t size, const char *text) {
    size_t used = strlen(buffer);
    if (used + 1 < size) {
        strncat(buffer, text, size - used - 1);
    }
}

static void on_error(png_structp png, png_const_charp message) {
    Reader *reader = (Reader *)png_get_error_ptr(png);
    char *out = reader->result->message;
    out[0] = 0;
    append(out, sizeof reader->result->message, message);
    if (reader->warnings[0]) {
        append(out, sizeof reader->result->message, " (");
        append(out, sizeof reader->result->message, reader->warnings);
        append(out, sizeof reader->result->message, ")");
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    Reader *reader = (Reader *)png_get_error_ptr(png);
    if (reader->warnings[0]) append(reader->warnings, sizeof reader->warnings, "; ");
    append(reader->warnings, sizeof reader->warnings, message);
}

static void read_bytes(png_structp png, png_bytep out, size_t length) {
    Reader *reader = (Reader *)png_get_io_ptr(png);
    if (length > reader->count - reader->position) {
        reader->result->truncated = 1;
        png_error(png, "the file ends before its IEND chunk");
    }
    memcpy(out, reader->bytes + reader->position, length);
    reader->position += length;
}

/// Checks that every chunk's stated length lies inside the `count` bytes, up to an IEND chunk; if not, says so in
/// `result` and returns 0. (libpng allocates a chunk's stated length before reading it, a too-large length being only
/// a warning to it, so a corrupt length could make it allocate gigabytes for a file of a few bytes.)
static int chunks_fit(const unsigned char *bytes, size_t count, LMConvPNGResult *result) {
    size_t position = 8;
    while (count - position >= 12) {
        const unsigned char *c = bytes + position;
        size_t length = (size_t)c[0] << 24 | (size_t)c[1] << 16 | (size_t)c[2] << 8 | c[3];
        if (length > count - position - 12) {
            result->truncated = 1;
            snprintf(result->message, sizeof result->message, "a chunk at byte %zu claims %zu bytes, past the end",
                     position, length);
            return 0;
        }
        if (memcmp(c + 4, "IEND", 4) == 0) return 1;
        position += 12 + length;
    }
    result->truncated = 1;
    strcpy(result->message, "the file ends before its IEND chunk");
    return 0;
}

int lmconv_png_decode(const unsigned char *bytes, size_t count, LMConvPNGResult *result) {
    memset(result, 0, sizeof *result);
    if (count < 8 || !chunks_fit(bytes, count, result)) return -1;
    Reader reader = {bytes, count, 0, result, {0}};
    // Changed after setjmp and read after a longjmp back to it, hence volatile.
    png_structp volatile png = NULL;
    png_infop volatile info = NULL;
    unsigned char *volatile pixels = NULL;
    png_bytepp volatile rows = NULL;
    unsigned char *volatile rgb = NULL;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
    if (png == NULL) {
        strcpy(result->message, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_structp p = png;
        png_infop i = info;
        png_destroy_read_struct(&p, i ? &i : NULL, NULL);
        free(rows);
        free(pixels);
        free(rgb);
        return -1;
    }
    info = png_create_info_struct(png);
    if (info == NULL) png_error(png, "out of memory");
    png_set_read_fn(png, &reader, read_bytes);
    png_set_user_limits(png, 1u << 24, 1u << 24);
    // A bad CRC is an error in every chunk, ancillary ones included: the file is corrupt.
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if ((unsigned long long)width * height > (1ull << 30)) png_error(png, "image too large (over 2^30 pixels)");
    // Palette images are read as 8-bit indices and expanded below: libpng's own expansion draws indices past a short
    // palette as black without a word, and such a file is corrupt.
    int isPalette = png_get_color_type(png, info) == PNG_COLOR_TYPE_PALETTE;
    if (isPalette) {
        png_set_packing(png);
    } else {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    png_set_scale_16(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    unsigned channels = png_get_channels(png, info);
    if (png_get_bit_depth(png, info) != 8 || (channels != 1 && channels != 3) || (isPalette && channels != 1)) {
        png_error(png, "unexpected layout after conversion to 8-bit gray or RGB");
    }
    size_t rowBytes = png_get_rowbytes(png, info);
    if (rowBytes != (size_t)width * channels) png_error(png, "unexpected row size");
    pixels = malloc(rowBytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * rowBytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    if (isPalette) {
        png_colorp palette = NULL;
        int entries = 0;
        png_get_PLTE(png, info, &palette, &entries);
        size_t count = (size_t)width * height;
        rgb = malloc(3 * count);
        if (rgb == NULL) png_error(png, "out of memory");
        for (size_t k = 0; k < count; k++) {
            int index = pixels[k];
            if (index >= entries) {
                snprintf(result->message, sizeof result->message,
                         "a pixel uses palette entry %d, past the palette's end (%d entries)", index, entries);
                png_longjmp(png, 1);
            }
            rgb[3 * k] = palette[index].red;
            rgb[3 * k + 1] = palette[index].green;
            rgb[3 * k + 2] = palette[index].blue;
        }
        free(pixels);
        pixels = rgb;
        rgb = NULL;
        channels = 3;
    }

    png_structp p = png;
    png_infop i = info;
    png_destroy_read_struct(&p, &i, NULL);
    free(rows);
    result->pixels = pixels;
    result->width = width;
    result->height = height;
    result->channels = channels;
    return 0;
}

void lmconv_png_free(LMConvPNGResult *result) {
    free(result->pixels);
    result->pixels = NULL;
}
