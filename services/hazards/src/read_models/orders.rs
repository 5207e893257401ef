//! Supervision orders (挂牌督办) with their sub-tasks, as the domain folds them. Their events are
//! kept beside them, so that a list reads each order as it stood at a moment and as the ledger
//! knew it at a recording time (`hl_readmodel::known_rows_as_of`).

use hl_eventstore::EventMeta;
use hl_proto::hazards::v1::SupervisionOrderStatus;
use hl_readmodel::{Json, StateRow, columns, table};

use crate::domain::supervision::SupervisionOrder;

columns! {
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct SupervisionOrderRow {
        pub order_id: String,
        pub status: SupervisionOrderStatus,
        pub state: Json<SupervisionOrder>,
        pub version: u64,
        pub event_id: String,
    }
}
table!(SupervisionOrderRow, "supervision_orders", key(order_id));

impl StateRow for SupervisionOrderRow {
    type State = SupervisionOrder;

    fn state_mut(&mut self) -> &mut SupervisionOrder {
        &mut self.state.0
    }

    fn refresh(&mut self, meta: &EventMeta) {
        self.order_id = self.state.0.order_id.clone();
        self.status = self.state.0.status;
        self.version = meta.aggregate_version;
        self.event_id = meta.event_id.clone();
    }
}
