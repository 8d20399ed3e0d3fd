#pragma once

#include <QString>

#include <optional>

namespace tiersync::sim {

// The paging faults (POST /_sim/faults {"paging": …}): list answers that would keep a
// naive client paging for ever, or that repeat records across pages. Applied alike to Books lists, CRM lists and searches, and
// CRM's deleted-records list.
enum class SimPagingFault {
    None,
    EndlessEmpty,   // every page says more follow; past the end, empty pages (never 204)
    SamePage,       // every page answers the first page's records, saying more follow
    PageNotEchoed,  // the answer names page 1 whatever page was asked for
    Overlap,        // page p starts kOverlapRecords × (p - 1) early (records inserted ahead of
                    // it meanwhile): ids come twice, nothing is missed, the list ends
    Skip,           // page p starts kOverlapRecords × (p - 1) late (records ahead of it deleted
                    // meanwhile): live records are never listed, the list ends
};

inline constexpr int kOverlapRecords = 10;

[[nodiscard]] std::optional<SimPagingFault> simPagingFaultFromName(const QString &name);
[[nodiscard]] QString simPagingFaultName(SimPagingFault fault);
// The fault answers pages past the end (with records or without) instead of 204.
[[nodiscard]] bool simPagingGoesOn(SimPagingFault fault);

// One list answer: which records it carries and what it says about paging.
struct SimPageWindow final {
    long long offset = 0;   // first record of the selection
    int count = 0;          // records carried
    int echoedPage = 1;     // page number the answer names
    bool more = false;

    // The honest window of page `page` (offset given: CRM's page token sets it), then the fault.
    [[nodiscard]] static SimPageWindow of(SimPagingFault fault, int page, long long offset, int perPage,
                                          long long total);
};

}  // namespace tiersync::sim
