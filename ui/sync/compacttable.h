#pragma once

class QTableView;

namespace tiersync::ui {

// The Sync page's tables of a few dozen rows: whole rows selected one at a time, read
// only, compact one-line rows sized to their contents (times and "#5 incremental" read
// badly wrapped), the last column taking the rest of the width.
void setUpCompactTable(QTableView *view);

}  // namespace tiersync::ui
