#include "simpaging.h"

#include <algorithm>

namespace tiersync::sim {

std::optional<SimPagingFault> simPagingFaultFromName(const QString &name)
{
    if (name.isEmpty() || name == QLatin1String("none"))
        return SimPagingFault::None;
    if (name == QLatin1String("endless_empty"))
        return SimPagingFault::EndlessEmpty;
    if (name == QLatin1String("same_page"))
        return SimPagingFault::SamePage;
    if (name == QLatin1String("page_not_echoed"))
        return SimPagingFault::PageNotEchoed;
    if (name == QLatin1String("overlap"))
        return SimPagingFault::Overlap;
    if (name == QLatin1String("skip"))
        return SimPagingFault::Skip;
    return std::nullopt;
}

QString simPagingFaultName(SimPagingFault fault)
{
    switch (fault) {
    case SimPagingFault::EndlessEmpty: return QStringLiteral("endless_empty");
    case SimPagingFault::SamePage: return QStringLiteral("same_page");
    case SimPagingFault::PageNotEchoed: return QStringLiteral("page_not_echoed");
    case SimPagingFault::Overlap: return QStringLiteral("overlap");
    case SimPagingFault::Skip: return QStringLiteral("skip");
    case SimPagingFault::None: break;
    }
    return QStringLiteral("none");
}

bool simPagingGoesOn(SimPagingFault fault)
{
    return fault == SimPagingFault::EndlessEmpty || fault == SimPagingFault::SamePage;
}

SimPageWindow SimPageWindow::of(SimPagingFault fault, int page, long long offset, int perPage, long long total)
{
    SimPageWindow window;
    window.offset = std::clamp(offset, 0LL, total);
    window.count = static_cast<int>(std::min<long long>(perPage, total - window.offset));
    window.echoedPage = page;
    window.more = window.offset + window.count < total;
    switch (fault) {
    case SimPagingFault::EndlessEmpty:
        window.more = true;
        break;
    case SimPagingFault::SamePage:
        window.offset = 0;
        window.count = static_cast<int>(std::min<long long>(perPage, total));
        window.more = true;
        break;
    case SimPagingFault::PageNotEchoed:
        window.echoedPage = 1;
        break;
    case SimPagingFault::Overlap:
        if (window.offset > 0) {
            window.offset = std::max(0LL, window.offset - static_cast<long long>(kOverlapRecords) * (page - 1));
            window.count = static_cast<int>(std::min<long long>(perPage, total - window.offset));
            window.more = window.offset + window.count < total;
        }
        break;
    case SimPagingFault::Skip:
        window.offset = std::min(total, window.offset + static_cast<long long>(kOverlapRecords) * (page - 1));
        window.count = static_cast<int>(std::min<long long>(perPage, total - window.offset));
        window.more = window.offset + window.count < total;
        break;
    case SimPagingFault::None:
        break;
    }
    return window;
}

}  // namespace tiersync::sim
