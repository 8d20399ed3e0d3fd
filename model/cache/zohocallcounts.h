#pragma once

#include "zoho/zohocallpurpose.h"

#include <QByteArray>
#include <QHash>
#include <QtGlobal>

#include <array>

namespace tiersync {

// The Zoho calls of one minute (or a sum of minutes), per purpose.
struct ZohoCallCounts final {
    std::array<quint64, kZohoCallPurposeCount> calls{};

    [[nodiscard]] quint64 value(ZohoCallPurpose purpose) const { return calls[size_t(purpose)]; }
    [[nodiscard]] quint64 total() const;
    ZohoCallCounts &operator+=(const ZohoCallCounts &other);
    [[nodiscard]] bool operator==(const ZohoCallCounts &other) const = default;

    // Unknown fields (a newer instance may count more purposes) and bad numbers are ignored.
    [[nodiscard]] static ZohoCallCounts fromFields(const QHash<QByteArray, QByteArray> &fields);
};

[[nodiscard]] QByteArray zohoCallPurposeField(ZohoCallPurpose purpose);  // "read", "sync", "webhook"

}  // namespace tiersync
