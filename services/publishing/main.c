/* sos-publishing: the ordered feed the site is rendered from (see publishing.c). */
#include "publishing.h"

int main(int argc, char **argv)
{
    return sos_svc_main(&publishing_spec, argc, argv);
}
