#pragma once

#include <QString>

namespace tiersync {

// The Zoho product a call goes to. Each has limits of its own (ZOHO-API.md "Limits of an
// organisation"); ZohoRequest::family() derives it from the path.
enum class ZohoApiFamily { Books, Inventory, Crm };

inline constexpr int kZohoApiFamilyCount = 3;

[[nodiscard]] QString zohoApiFamilyName(ZohoApiFamily family);  // "books", "inventory", "crm"
[[nodiscard]] QString zohoApiFamilyTitle(ZohoApiFamily family); // "Zoho Books", … (for messages)
// The family of an API path: /inventory/… → Inventory, /crm/… → Crm, anything else Books.
[[nodiscard]] ZohoApiFamily zohoApiFamilyOfPath(const QString &path);

}  // namespace tiersync
