/* mmbench's version (git describe), generated into build/version.c at every build. */
#ifndef MMBENCH_VERSION_H
#define MMBENCH_VERSION_H

extern const char mmbench_version[];

#endif
