#pragma once

#include <QByteArray>
#include <QHash>
#include <QtGlobal>

#include <array>

namespace tiersync {

// What spent a Zoho HTTP attempt. Zoho's rate limit is per organisation, so every
// instance's reads, syncs and webhook re-fetches draw on the same budget; the field
// names are the hash fields of tiersync:v1:zoho_calls:{epoch_minute} (renaming one
// breaks every reader).
enum class ZohoCallPurpose { Read, Sync, Webhook, Count };

inline constexpr int kZohoCallPurposeCount = int(ZohoCallPurpose::Count);

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
