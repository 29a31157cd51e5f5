// OpenSSL's libcrypto, for sign-benchmark only: its SHA3-256 is the reference the Swift
// Keccak-256 is measured against (the same Keccak-f[1600] permutation, another padding byte).
#include <openssl/evp.h>
