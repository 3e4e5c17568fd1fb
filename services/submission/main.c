/* sos-submission: tools, panel keys and comparisons (see submission.c). */
#include "submission.h"

int main(int argc, char **argv)
{
    return sos_svc_main(&submission_spec, argc, argv);
}
