#pragma once

#include <QStyledItemDelegate>

namespace tiersync::ui {

// How the Students page's endpoint table looks: the endpoint's name in bold, the tier
// that answered in bold and in a colour per tier (a glance down the column tells where
// answers came from), an endpoint without an answer in red. The text is the model's
// (StudentEndpointModel), which stays free of Gui types.
class StudentEndpointDelegate final : public QStyledItemDelegate {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StudentEndpointDelegate)

public:
    explicit StudentEndpointDelegate(QObject *parent = nullptr);
    ~StudentEndpointDelegate() override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

}  // namespace tiersync::ui
