#pragma once

#include "core/epochclock.h"
#include "zoho/zohoclock.h"

namespace tiersync {

// The clocks the console's engine workers read; a null one is the system's (what the
// app runs with). Tests pin the wall clock, so what they count in "this minute" is read
// back from that minute however long the test takes, and move Zoho's steady clock past
// the circuit breaker's cool-down instead of waiting it out.
struct ConsoleClocks final {
    EpochClock wall;         // statistics, Zoho calls and retries are counted per minute of it
    SteadyClock zohoSteady;  // the Zoho clients' rate limiter and circuit breaker
};

}  // namespace tiersync
