/* index.c - see index.h. */
#include "engine/core/index.h"

#include <string.h>

void sg_index_check(sg_validator *v, const sg_node *node, const sg_bound *b)
{
    const sg_bound_tag *last = sg_bound_tag_find(b, "last");
    const sg_bound_tag *index = sg_bound_tag_find(b, "index");
    if (last && !index)
        sg_error(v->diags, sg_arg_loc(last->arg), "missing-tag", "':last' needs ':index' on '%s' (RFC 5260 §6)",
                 node->def->name);
    if (index && index->param && index->param->u.number.value == 0)
        sg_error(v->diags, sg_arg_loc(index->param), "bad-argument",
                 "':index' counts fields from 1, so it cannot be 0 (RFC 5260 §6)");
}

size_t sg_index_fields(sg_interp *in, const sg_bound *b, const sg_arg *names, bool raw, const char ***values)
{
    sg_message *msg = sg_interp_message(in);
    sg_strview *nv;
    size_t nnames = sg_interp_strings(in, names, &nv);
    size_t total = 0;
    for (size_t i = 0; i < nnames; i++) {
        const char *const *v;
        total += raw ? sg_message_header_raw_values(msg, nv[i].data, &v) : sg_message_header_values(msg, nv[i].data, &v);
    }
    const char **out = sg_arena_alloc(sg_interp_arena(in), (total ? total : 1) * sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < nnames; i++) {
        const char *const *v;
        size_t k = raw ? sg_message_header_raw_values(msg, nv[i].data, &v) : sg_message_header_values(msg, nv[i].data, &v);
        for (size_t j = 0; j < k; j++)
            out[n++] = v[j];
    }
    const sg_bound_tag *index = sg_bound_tag_find(b, "index");
    if (index && index->param) {
        /* RFC 5260 §6: fields count from 1; :last counts backwards. */
        unsigned long long no = index->param->u.number.value;
        bool last = sg_bound_tag_find(b, "last") != NULL;
        if (no == 0 || no > n) {
            n = 0;
        } else {
            out[0] = out[last ? n - no : no - 1];
            n = 1;
        }
    }
    *values = out;
    return n;
}
