/*
 * outcome_html.h - the simulator's predictions as one self-contained
 * HTML page (sipalg-sim --html FILE).
 */
#ifndef SIPALG_SIM_OUTCOME_HTML_H
#define SIPALG_SIM_OUTCOME_HTML_H

#include <stddef.h>

#include "alg/profile.h"
#include "assume.h"
#include "sim.h"

/*
 * Writes the n runs of one capture (cfgs[i] produced res[i] under the
 * far-end assumptions as[i], NULL: not shown) as an HTML
 * page at path, through a temporary file renamed into place when
 * complete (base/outfile.h).  Returns 0, or -1 with the reason in err
 * (path is then left as it was).
 */
int outcome_html_write(const char *path, const char *capture,
    const struct sim_cfg *const *cfgs, const struct sim_result *const *res,
    const struct sim_assume *as, size_t n, char *err, size_t errlen);

#endif /* SIPALG_SIM_OUTCOME_HTML_H */
