#ifndef SELFCONNECT_GUARD_H
#define SELFCONNECT_GUARD_H

// libselfconnect_guard.so is loaded with LD_PRELOAD (by `selfconnect guard -- CMD`); it exports no API of its own,
// only the libc calls it interposes (connect; socket, bind, accept, setsockopt, dup2, dup3, close to know each fd;
// getsockopt and the read/write family where a non-blocking connect's outcome is learnt). It is configured by
// the environment, read once when the library loads:
//
//   SELFCONNECT_GUARD_POLICY   prevent (default) | refuse | redial
//   SELFCONNECT_GUARD_RETRIES  redials before refusing (default 2, as Go's net package)
//   SELFCONNECT_GUARD_VERBOSE  1: one line on stderr per decision (socket, destination, action)

#define SELFCONNECT_GUARD_POLICY_ENV "SELFCONNECT_GUARD_POLICY"
#define SELFCONNECT_GUARD_RETRIES_ENV "SELFCONNECT_GUARD_RETRIES"
#define SELFCONNECT_GUARD_VERBOSE_ENV "SELFCONNECT_GUARD_VERBOSE"

#endif
