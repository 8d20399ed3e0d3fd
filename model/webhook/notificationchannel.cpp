#include "webhook/notificationchannel.h"

#include <array>
#include <utility>

namespace tiersync {

namespace {

constexpr std::array<std::pair<ChannelStatus, const char *>, 5> kNames{{
    {ChannelStatus::Active, "active"},
    {ChannelStatus::Expired, "expired"},
    {ChannelStatus::Dropped, "dropped"},
    {ChannelStatus::Failed, "failed"},
    {ChannelStatus::Disabled, "disabled"},
}};

}  // namespace

QString channelStatusName(ChannelStatus status)
{
    for (const auto &[value, name] : kNames)
        if (value == status)
            return QString::fromLatin1(name);
    return QStringLiteral("failed");
}

std::optional<ChannelStatus> channelStatusFromName(const QString &name)
{
    for (const auto &[value, text] : kNames)
        if (name == QLatin1String(text))
            return value;
    return std::nullopt;
}

}  // namespace tiersync
