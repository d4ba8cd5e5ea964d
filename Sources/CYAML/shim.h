#ifndef STREAM_COLLECTOR_YAML_SHIM_H
#define STREAM_COLLECTOR_YAML_SHIM_H

/* Debian's libyaml (libyaml-dev): the configuration file's parser. Nothing else is exposed. */
#include <yaml.h>

#endif
