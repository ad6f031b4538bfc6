// What the warehouse screens (pick-lists.js, stock.js, ledger.js) share: the warehouses and a <select> of them.
import { h } from '../../dom.js';
import { api } from '../api.js';

let warehouseList;
/** The warehouses (`GET /v1/warehouses`, by priority), read once per page load; [] when they cannot be read. */
export function warehouses() {
  warehouseList ??= api('GET', '/v1/warehouses')
    .then((answer) => answer.items)
    .catch(() => {
      warehouseList = undefined;
      return [];
    });
  return warehouseList;
}

/** A <select> of the warehouses, with `empty` as its first choice's label when given (no choice: ""). */
export function warehouseSelect(name, list, selected, empty) {
  return h(
    'select',
    { name },
    empty ? h('option', { value: '' }, empty) : null,
    list.map((warehouse) =>
      h(
        'option',
        { value: warehouse.code, selected: warehouse.code === selected },
        `${warehouse.code} · ${warehouse.name}`,
      ),
    ),
  );
}
