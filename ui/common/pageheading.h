#pragma once

class QLabel;
class QString;
class QWidget;

namespace tiersync::ui {

// The title at the top of a page, the same size and weight on every page. objectName
// is the page's own ("cacheTitle"), so tests and style sheets can still tell them apart.
[[nodiscard]] QLabel *pageHeading(const QString &text, const QString &objectName, QWidget *parent);

}  // namespace tiersync::ui
