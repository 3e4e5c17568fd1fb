/* catalogue: reading a catalogue file (schemas/catalogue.schema.json), the
 * library behind `sos import` (clients/sos/cmd_import.c). It prints
 * nothing, sends nothing and decides no exit code: it reads, judges and
 * hands over records.
 *
 * Any size, in bounded memory: the file is one JSON document, but it is
 * walked by a small tokenizer that hands jansson one record of "tools",
 * "takes" or "comparisons" at a time; only that record is in memory, with
 * a table of the tools' identity keys (a few dozen bytes a tool) that
 * takes and comparisons are resolved through. The keys may come in any
 * order in the file, so the order of a walk comes from passes over the
 * file, not from holding it: the file must be seekable (a regular file)
 * or a buffer.
 *
 *   catalogue_check   the first pass judges everything: the top level
 *                     (version 1, "tools" a non-empty array, no key twice),
 *                     every record's shape, a take's revision (1-1000000,
 *                     as `sos take file` allows) and filed_at
 *                     (0-2^63-1), no two tools of one identity key (names
 *                     that fold alike, sos_text_fold, are one tool to
 *                     submission), every take and comparison naming tools
 *                     of the file (a second pass when they come before the
 *                     tools). A refusal names the record (takes[12]) and
 *                     the problem, with its line, column and byte offset.
 *   catalogue_walk    then hands every record over, in this order: every
 *                     tool, the panel (one CATALOGUE_PANEL call with no
 *                     record: where the caller registers its reviewers'
 *                     keys), every take, every comparison; each kind in
 *                     file order, each a pass over the file. A record is
 *                     judged again as it is read (the file may have
 *                     changed since the check).
 *
 * No limit on the number of records or their size but memory: the one
 * record held grows to the largest record, the table to the tools.
 * Identity keys are those of submission: the first 255 bytes of the fold. */
#ifndef CATALOGUE_H
#define CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sos.pb-c.h"

#define CATALOGUE_REVISION_MAX 1000000 /* as `sos take file --revision` */
#define CATALOGUE_PROGRESS_EVERY 1000  /* records between progress calls */

/* What the functions return; a record function's positive value is
 * returned as it is. */
enum {
    CATALOGUE_OK = 0,
    CATALOGUE_ESEEK = -1,   /* the file cannot be read again (a pipe): error.errnum */
    CATALOGUE_EREAD = -2,   /* a read failed: error.errnum, at error.line (0: at the end) */
    CATALOGUE_ESYNTAX = -3, /* not JSON, or not shaped like a catalogue: error.what at line:col */
    CATALOGUE_ERECORD = -4, /* a record refused: error.path, error.what, where it starts */
};

typedef enum {
    CATALOGUE_TOOL,
    CATALOGUE_TAKE,
    CATALOGUE_COMPARISON,
    CATALOGUE_PANEL, /* not in the file: the point of a walk where the panel goes */
} catalogue_kind;

/* Where a byte of the file is: line and column from 1 (a column counts
 * bytes), offset from 0. */
typedef struct {
    unsigned long line, col;
    uint64_t offset;
} catalogue_pos;

/* Why a call failed; the caller's, filled by the call. */
typedef struct {
    int code;         /* the value returned */
    char path[64];    /* ERECORD: "takes[12]", "tools", "version" or "$" (the whole) */
    char what[200];   /* ESYNTAX, ERECORD: one sentence, no path */
    catalogue_pos at; /* ESYNTAX, EREAD: where; ERECORD: where the record starts
                         (line 0 for a top-level refusal found at the end) */
    int errnum;       /* ESEEK, EREAD: the errno */
} catalogue_error;

/* One record as a walk hands it over. Every pointer is borrowed for the
 * call only. For a tool: tool (tool_id "", submitted_at 0), ref[0] its own
 * tool number. A take: take (persona, revision, filed_at, score, ship,
 * text; take_id and tool_id empty: the caller's), name[0] and ref[0] its
 * tool, filed_at_absent when the file gives no filed_at (take->filed_at
 * is 0 then; `sos import` files it at the import's time). A comparison: name[0]/ref[0] is a,
 * name[1]/ref[1] is b. A tool number is the index in "tools" of the tool a name resolves to, below
 * catalogue_counts().tools. CATALOGUE_PANEL: kind only. */
typedef struct {
    catalogue_kind kind;
    size_t index;     /* its place in its array */
    const char *path; /* "takes[12]" */
    catalogue_pos at; /* its first byte */
    const Sos__Tool *tool;
    const Sos__TakeBody *take;
    const char *name[2];
    size_t ref[2];
    bool filed_at_absent; /* a take without filed_at in the file */
} catalogue_record;

/* 0 to go on; a positive value stops the walk, which returns it. */
typedef int (*catalogue_record_fn)(const catalogue_record *r, void *arg);

typedef enum { CATALOGUE_CHECKING, CATALOGUE_RESOLVING, CATALOGUE_WALKING } catalogue_stage;

/* Every CATALOGUE_PROGRESS_EVERY records of a pass, and at its end. */
typedef struct {
    catalogue_stage stage;
    size_t records;  /* read in this pass */
    uint64_t offset; /* bytes read in this pass */
    bool done;       /* the pass's end */
} catalogue_progress;

typedef void (*catalogue_progress_fn)(const catalogue_progress *p, void *arg);

/* What the check counted, and the library's own memory. */
typedef struct {
    size_t tools, takes, comparisons; /* records in the file (after catalogue_check) */
    size_t record_max;                /* bytes held for one record: grows to the largest */
    size_t table_bytes;               /* the tools' identity keys */
    size_t passes;                    /* over the file, so far */
} catalogue_counts;

typedef struct catalogue catalogue;

/* A catalogue over the file at path, opened here ("rb") and closed by
 * catalogue_destroy; NULL with errno set when it cannot be opened. */
catalogue *catalogue_new(const char *path);
/* The same over len bytes at data, borrowed: they must outlive it. */
catalogue *catalogue_new_buffer(const void *data, size_t len);
/* Frees *c and everything it holds, sets *c to NULL; NULL or *c NULL: nothing. */
void catalogue_destroy(catalogue **c);

/* fn(p, arg) from now on (NULL: none). */
void catalogue_progress_set(catalogue *c, catalogue_progress_fn fn, void *arg);

/* Judges the whole file (above), once per catalogue (a second call is a
 * bug: it asserts). CATALOGUE_OK or a code, *err filled. */
int catalogue_check(catalogue *c, catalogue_error *err) __attribute__((warn_unused_result));

/* After a catalogue_check that returned CATALOGUE_OK (else it asserts):
 * fn(record, arg) for every record, in the order above; it may be called
 * again, for another walk. CATALOGUE_OK, a code (*err filled) or what fn
 * returned. */
int catalogue_walk(catalogue *c, catalogue_record_fn fn, void *arg, catalogue_error *err)
    __attribute__((warn_unused_result));

catalogue_counts catalogue_counts_get(const catalogue *c);

#endif
