/* sha256_names.h: SDK-private names for the host's sha256.c built into the guest library, so that a function may define its own sha256(). */
#ifndef GLINT_GUEST_SHA256_NAMES_H
#define GLINT_GUEST_SHA256_NAMES_H

#define sha256 glint__sha256
#define sha256_init glint__sha256_init
#define sha256_update glint__sha256_update
#define sha256_final glint__sha256_final
#define sha256_hex glint__sha256_hex

#endif /* GLINT_GUEST_SHA256_NAMES_H */
