// libpng (Debian: libpng-dev), for reading PNG files. No Swift API of its own: only the C target CPNGShim calls it,
// because libpng reports errors by longjmp, which Swift code cannot survive.
#include <png.h>
