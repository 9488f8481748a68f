"""Argon2id at the OWASP minimum: t=2 iterations, m=19 MiB, p=1."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2idHasher(Argon2PasswordHasher):
    # Keep Django's algorithm name so hashes stay verifiable by the stock hasher.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
