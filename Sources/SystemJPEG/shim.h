// libjpeg-turbo (Debian: libjpeg62-turbo-dev), for JPEG images. No Swift API of its own: its errors longjmp, which
// Swift cannot catch, so only the C target CJPEGShim calls it.
#include <stdio.h>
#include <jpeglib.h>
