#pragma once

#include <QWidget>

namespace tiersync::ui {

// A page that is planned but not built yet: says so plainly, shows no made-up data.
class PlaceholderPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PlaceholderPage)

public:
    PlaceholderPage(const QString &title, const QString &description, QWidget *parent = nullptr);
};

}  // namespace tiersync::ui
