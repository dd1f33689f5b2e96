// zlib (Debian: zlib1g-dev), for PNG and .gz files. No Swift API of its own.
#include <zlib.h>
