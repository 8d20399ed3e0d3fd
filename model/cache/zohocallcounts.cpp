#include "cache/zohocallcounts.h"

namespace tiersync {

quint64 ZohoCallCounts::total() const
{
    quint64 sum = 0;
    for (quint64 value : calls)
        sum += value;
    return sum;
}

ZohoCallCounts &ZohoCallCounts::operator+=(const ZohoCallCounts &other)
{
    for (size_t i = 0; i < calls.size(); ++i)
        calls[i] += other.calls[i];
    return *this;
}

ZohoCallCounts ZohoCallCounts::fromFields(const QHash<QByteArray, QByteArray> &fields)
{
    ZohoCallCounts counts;
    for (int i = 0; i < kZohoCallPurposeCount; ++i) {
        bool ok = false;
        const quint64 value = fields.value(zohoCallPurposeField(ZohoCallPurpose(i))).toULongLong(&ok);
        if (ok)
            counts.calls[size_t(i)] = value;
    }
    return counts;
}

QByteArray zohoCallPurposeField(ZohoCallPurpose purpose)
{
    switch (purpose) {
    case ZohoCallPurpose::Read:
        return QByteArrayLiteral("read");
    case ZohoCallPurpose::Sync:
        return QByteArrayLiteral("sync");
    case ZohoCallPurpose::Webhook:
        return QByteArrayLiteral("webhook");
    case ZohoCallPurpose::Count:
        break;
    }
    return {};
}

}  // namespace tiersync
