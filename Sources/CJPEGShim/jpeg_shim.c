#include "CJPEGShim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

// libjpeg's error manager, extended with the jump target and where the message goes.
struct shim_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
};

static void shim_error_exit(j_common_ptr cinfo) {
    struct shim_error *err = (struct shim_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(err->message, LMCONV_JPEG_MESSAGE_SIZE, "%s", text);
    longjmp(err->jump, 1);
}

// Level -1 is a warning about corrupt data (djpeg -strict stops there too); levels >= 0 are traces, ignored.
static void shim_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) shim_error_exit(cinfo);
}

static void shim_install(struct jpeg_error_mgr *pub, struct shim_error *err, char *message) {
    jpeg_std_error(pub);
    pub->error_exit = shim_error_exit;
    pub->emit_message = shim_emit_message;
    err->message = message;
    message[0] = 0;
}

int lmconv_jpeg_decode(const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height, int *channels,
                       char *message) {
    struct jpeg_decompress_struct cinfo;
    struct shim_error err;
    uint8_t *volatile out = NULL;   // assigned after setjmp, so volatile to survive the longjmp
    *pixels = NULL;
    cinfo.err = &err.pub;
    shim_install(&err.pub, &err, message);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(out);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t row = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if ((unsigned long long)row * cinfo.output_height > (1ull << 31)) {
        snprintf(message, LMCONV_JPEG_MESSAGE_SIZE, "image of %ux%u pixels is too large", cinfo.output_width,
                 cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    out = malloc(row * cinfo.output_height);
    if (out == NULL) {
        snprintf(message, LMCONV_JPEG_MESSAGE_SIZE, "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[1] = {out + (size_t)cinfo.output_scanline * row};
        jpeg_read_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_decompress(&cinfo);
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    *channels = cinfo.output_components;
    jpeg_destroy_decompress(&cinfo);
    *pixels = out;
    return 0;
}

// Where jpeg_mem_dest puts the file; on the heap and assigned before setjmp, so it is intact after a longjmp.
struct shim_memory {
    unsigned char *buffer;
    unsigned long size;
};

int lmconv_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality, int subsample_chroma,
                       uint8_t **jpeg, size_t *jpeg_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct shim_error err;
    struct shim_memory *memory = calloc(1, sizeof *memory);
    *jpeg = NULL;
    *jpeg_size = 0;
    cinfo.err = &err.pub;
    shim_install(&err.pub, &err, message);
    if (memory == NULL) {
        snprintf(message, LMCONV_JPEG_MESSAGE_SIZE, "out of memory");
        return -1;
    }
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(memory->buffer);
        free(memory);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &memory->buffer, &memory->size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (channels == 3 && !subsample_chroma) {
        for (int c = 0; c < 3; c++) cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
    }
    jpeg_start_compress(&cinfo, TRUE);
    size_t row = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row)};
        jpeg_write_scanlines(&cinfo, rows, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *jpeg = memory->buffer;
    *jpeg_size = memory->size;
    free(memory);
    return 0;
}

void lmconv_jpeg_free(void *buffer) { free(buffer); }
