#ifndef CABIN_CPOCKETSPHINX_SHIM_H
#define CABIN_CPOCKETSPHINX_SHIM_H

#include <pocketsphinx.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/jsgf.h>
#include <sphinxbase/logmath.h>

/* cmd_ln_init is variadic, which Swift cannot call: this fixed-arity wrapper passes the options
   Cabin sets. Returns NULL when an option is rejected. */
static inline cmd_ln_t *cabin_ps_config(const char *hmm, const char *dict, const char *logfn) {
  return cmd_ln_init(NULL, ps_args(), TRUE, "-hmm", hmm, "-dict", dict, "-logfn", logfn, NULL);
}

#endif
