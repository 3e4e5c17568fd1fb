/* sos-scoring: signed takes from the panel (see scoring.c). */
#include "scoring.h"

int main(int argc, char **argv)
{
    return sos_svc_main(&scoring_spec, argc, argv);
}
