/* nat.h - the way out and the way in: kobako's own nftables table.
 *
 *     table ip kobako {
 *         chain prerouting   nat, prerouting hook: -p ports, DNAT to a container
 *         chain SUBNET       nat, postrouting hook: masquerade the subnet's traffic
 *     }
 *
 * Made from C as netlink messages (nf_tables(7) has none; see nat.c), never by
 * running nft(8). Removed with the bridge:
 *     nft delete table ip kobako; ip link delete kobako0
 */
#pragma once

#include <netinet/in.h>
#include <stddef.h>

#include "common/cli.h"

#define NAT_TABLE "kobako" /* table ip kobako, ours alone */

/* IP forwarding on, and the table with the masquerade rule of subnet/prefix,
 * made once (a later call finds them and returns at once). Warns in one line
 * when another table's forward hook drops packets. Returns 0 or -1 (printed). */
int nat_setup(struct in_addr subnet, int prefix);

/* DNAT rules for the -p ports that can be reached from outside the host
 * (not loopback ones), each tagged with the container id. Returns 0 or -1
 * (printed; the rules made so far stay, for nat_reclaim). */
int nat_publish(const char *id, const struct port *ports, size_t n, struct in_addr container);

/* Delete the rules of container `id` (NULL: none in particular) and of every
 * container whose supervisor is gone (state_alive(), state.c). Returns the
 * number of rules deleted, or -1 (printed). */
int nat_reclaim(const char *id);
