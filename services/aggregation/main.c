/* sos-aggregation: signed panel verdicts (see aggregation.c). */
#include "aggregation.h"

int main(int argc, char **argv)
{
    return sos_svc_main(&aggregation_spec, argc, argv);
}
