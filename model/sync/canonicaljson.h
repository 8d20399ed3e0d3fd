#pragma once

// The canonical JSON form moved to core (the cache's endpoint payloads use it too).
#include "core/canonicaljson.h"
