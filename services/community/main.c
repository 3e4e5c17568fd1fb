/* sos-community: readers' votes and tallies (see community_svc.c). */
#include "community.h"

int main(int argc, char **argv)
{
    return sos_svc_main(&community_spec, argc, argv);
}
