/* catalogue_int.h: what catalogue.c (the records, the table, the passes'
 * order) and catalogue_read.c (the tokenizer, one pass over the file)
 * share. Nothing outside clients/catalogue includes it. */
#ifndef CATALOGUE_INT_H
#define CATALOGUE_INT_H

#include <jansson.h>
#include <stdio.h>

#include "buf.h"
#include "catalogue.h"

#define CATALOGUE_KINDS 3  /* tools, takes, comparisons: the file's arrays */
#define CATALOGUE_FOLD 256 /* an identity key's bytes, as submission folds */

extern const char *const catalogue_kind_key[CATALOGUE_KINDS];

/* The file (or buffer), read in chunks; at is the next byte's place. */
typedef struct {
    FILE *f; /* NULL: mem */
    const unsigned char *mem;
    size_t mem_len;
    const unsigned char *chunk;
    size_t pos, len;
    catalogue_pos at;
    int errnum; /* a read's errno once one failed */
    unsigned char buf[65536];
} catalogue_reader;

/* A tool of the file: its identity key, its number and where it starts. */
typedef struct {
    char *fold;
    size_t index;
    catalogue_pos at;
} catalogue_name;

/* Called per record of the kinds a pass wants: 0 or a code/value to stop. */
typedef int (*catalogue_read_fn)(catalogue *c, int kind, size_t i, json_t *rec,
                                 const catalogue_pos *at, catalogue_error *err);

struct catalogue {
    catalogue_reader r;
    sos_buf rec;           /* the current record's bytes */
    catalogue_name *names; /* sorted by fold, then index, once the tools have been read */
    size_t n_names, cap_names, fold_bytes;
    bool names_sorted, refs_later, version_ok, checked, seen[CATALOGUE_KINDS];
    size_t count[CATALOGUE_KINDS];
    size_t passes;
    catalogue_stage stage;
    catalogue_progress_fn progress;
    void *progress_arg;
    void *walk_arg;
    catalogue_record_fn walk_fn;
};

/* One pass over the file: the records of the kinds in want go to fn. check:
 * the first pass, which also judges the top level (version, arrays, keys
 * once) and calls catalogue_names_sort when the tools array ends. */
int catalogue_read_pass(catalogue *c, const bool want[CATALOGUE_KINDS], bool check,
                        catalogue_read_fn fn, catalogue_error *err);

/* err as a refusal of the record at path, starting at at (NULL: none). */
int catalogue_refuse(catalogue_error *err, const char *path, const catalogue_pos *at,
                     const char *what);
/* After the tools array of the check pass: sorted, a tool twice refused. */
int catalogue_names_sort(catalogue *c, catalogue_error *err);

#endif
