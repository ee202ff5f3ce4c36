// The routing mesh's forwarding fast path (tc ingress, direct action) on a node's uplink interfaces.
//
// A connection that this node's balancer DNATed to a task on another node (NODE:HOSTPORT) and masqueraded is
// opened by the kernel's normal path: iptables picks the task (nth DNAT rule), the masquerade picks the source
// port, conntrack records both NATs, and the nat rule ORCH-<bridge>-LM sets ORCH_MARK in the connection's mark.
// The SYN and the task's SYN-ACK take that path (the SYN watch stamps both; conntrack sees the answer). Every
// later packet of the connection - the handshake's ACK, data, FIN, RST - no longer needs this node's IP stack:
// this program finds the connection's entry (bpf_skb_ct_lookup), applies the same two NATs (addresses, ports,
// checksums, TTL), asks the FIB for the next hop and sends the packet straight out (bpf_redirect).
//
// Conntrack then no longer sees the connection after its SYN-ACK, so this program keeps the entry's life in its
// place: its timeout (what conntrack would give: established, closing, closed; bpf_ct_change_timeout) and which
// side has closed (FIN_ORIG, FIN_REPLY, CLOSED bits in the entry's mark; only the mark is writable from BPF). A
// new SYN on the tuple of a closed connection expires its entry first, so conntrack opens a new one and the nat
// rules choose a task afresh - what conntrack does itself for a SYN in TIME_WAIT; without it a client that
// reuses its port would be sent to the old task, drained or not.
// Everything else goes the normal way (TC_ACT_OK): other traffic, SYNs, packets before the answer, IP options,
// fragments, a next hop whose neighbour is not resolved. Bytes and packets it forwards are counted per backend
// in orch_lb_fwd, keyed as the accounting rules of ORCH-<bridge>-LA are (published port, the task's
// NODE:HOSTPORT, direction).
//
// Built by deploy/build.sh (clang -target bpf) next to orchd; loaded by orchd with `tc`. Kernel >= 6.1
// (conntrack kfuncs, bpf_ct_change_timeout, writable nf_conn mark), BTF (CO-RE relocations of struct nf_conn).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ORCH_MARK 0x01000000u
#define FIN_ORIG 0x02000000u  /* the client has sent its FIN */
#define FIN_REPLY 0x04000000u /* the task has sent its FIN */
#define CLOSED 0x08000000u    /* a RST crossed, or the last ACK after both FINs */
#define CLOSE_BITS (FIN_ORIG | FIN_REPLY | CLOSED)

// An established connection's entry is refreshed only when less than this many jiffies remain: 17.28 M is two
// days at HZ=100 and 4.8 hours at HZ=1000, so whatever HZ is, an entry that was given 5 days is written again at
// most once per 2.6-4.8 days of traffic, not by every packet (the entry is shared by the CPUs of both directions).
#define REFRESH_BELOW 17280000

// Conntrack's default timeouts (nf_conntrack_tcp_timeout_*), in ms, for the states the mark stands for.
#define TIMEOUT_ESTABLISHED (432000u * 1000u) /* 5 days: no idle timeout cuts a live connection */
#define TIMEOUT_CLOSING (120u * 1000u)        /* FIN_WAIT / CLOSE_WAIT / TIME_WAIT */
#define TIMEOUT_CLOSED (10u * 1000u)          /* CLOSE */

#define BPF_F_CURRENT_NETNS (-1)
#define IPS_SEEN_REPLY (1u << 1)
#define IPS_ASSURED (1u << 2)
#define IPS_CONFIRMED (1u << 3)
#define IPS_SRC_NAT (1u << 4)
#define IPS_DST_NAT (1u << 5)
#define IPS_DYING (1u << 9)

// The parts of the kernel's conntrack structures read here; CO-RE relocates each field against the running
// kernel's BTF, so only names and types matter, not this layout.
union nf_inet_addr {
    __u32 all[4];
    __be32 ip;
} __attribute__((preserve_access_index));

union nf_conntrack_man_proto {
    __be16 all;
    struct {
        __be16 port;
    } tcp;
} __attribute__((preserve_access_index));

struct nf_conntrack_man {
    union nf_inet_addr u3;
    union nf_conntrack_man_proto u;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple {
    struct nf_conntrack_man src;
    struct {
        union nf_inet_addr u3;
        union {
            __be16 all;
            struct {
                __be16 port;
            } tcp;
        } u;
    } dst;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple_hash {
    struct nf_conntrack_tuple tuple;
} __attribute__((preserve_access_index));

struct nf_conn {
    struct nf_conntrack_tuple_hash tuplehash[2];
    __u32 timeout; // jiffies (32 bits) at which the entry expires
    unsigned long status;
    __u32 mark;
} __attribute__((preserve_access_index));

// net/netfilter/nf_conntrack_bpf.c, the 12-byte form every kernel with the kfuncs accepts.
struct bpf_ct_opts {
    __s32 netns_id;
    __s32 error;
    __u8 l4proto;
    __u8 reserved[3];
};

extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple, __u32 tuple_len,
                                         struct bpf_ct_opts *opts, __u32 opts_len) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;
extern int bpf_ct_change_timeout(struct nf_conn *ct, __u32 timeout) __ksym;
extern int bpf_ct_change_status(struct nf_conn *ct, __u32 status) __ksym;

// Key of a backend's counters: the task's NODE:HOSTPORT (the reply tuple's source), the published port (the
// original tuple's destination port) and the direction (0 client -> task, 1 task -> client).
struct fwd_key {
    __be32 addr;
    __be16 port;
    __be16 published;
    __u32 dir;
};

struct fwd_count {
    __u64 packets;
    __u64 bytes;
};

// Per CPU: a packet adds to its CPU's copy without an atomic operation or a shared cache line; orchd sums them.
// Pinned by name (tc/globals/orch_lb_fwd), and a pin can outlive orchd (orchd in the host's mount namespace): tc
// then reuses it for the next program, and refuses to load one whose map differs (another fwd_key, fwd_count or
// max_entries: an upgrade). FastPath removes such a pin and loads again; the counts in it are lost, nothing else.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 16384);
    __type(key, struct fwd_key);
    __type(value, struct fwd_count);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} orch_lb_fwd SEC(".maps");

static __always_inline void count(struct fwd_key *key, __u64 bytes)
{
    struct fwd_count *c = bpf_map_lookup_elem(&orch_lb_fwd, key);
    if (!c) {
        struct fwd_count zero = {};
        bpf_map_update_elem(&orch_lb_fwd, key, &zero, BPF_NOEXIST);
        c = bpf_map_lookup_elem(&orch_lb_fwd, key);
        if (!c)
            return; // map full: the packet is forwarded all the same
    }
    c->packets += 1;
    c->bytes += bytes;
}

#define IP_OFF(field) (ETH_HLEN + __builtin_offsetof(struct iphdr, field))
#define TCP_OFF(field) (ETH_HLEN + sizeof(struct iphdr) + __builtin_offsetof(struct tcphdr, field))

SEC("tc")
int orch_lb_fastpath(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_TCP || (ip->frag_off & bpf_htons(0x3fff)) ||
        ip->ttl <= 1)
        return TC_ACT_OK;
    struct tcphdr *tcp = (void *)(ip + 1);
    if ((void *)(tcp + 1) > end)
        return TC_ACT_OK;
    int syn = tcp->syn, fin = tcp->fin, rst = tcp->rst;
    if (syn && tcp->ack)
        return TC_ACT_OK; // the task's answer: conntrack and the SYN watch see it

    struct bpf_sock_tuple t = {};
    t.ipv4.saddr = ip->saddr;
    t.ipv4.daddr = ip->daddr;
    t.ipv4.sport = tcp->source;
    t.ipv4.dport = tcp->dest;
    struct bpf_ct_opts opts = {.netns_id = BPF_F_CURRENT_NETNS, .l4proto = IPPROTO_TCP};
    struct nf_conn *ct = bpf_skb_ct_lookup(skb, &t, sizeof(t.ipv4), &opts, sizeof(opts));
    if (!ct)
        return TC_ACT_OK;
    const __u32 want = IPS_CONFIRMED | IPS_SRC_NAT | IPS_DST_NAT | IPS_SEEN_REPLY;
    __u32 mark = ct->mark, status = ct->status;
    int ours = (mark & ORCH_MARK) && (status & (want | IPS_DYING)) == want;
    if (syn) {
        // A client opening a connection on the tuple of one that closed: end the old entry now, so that conntrack
        // makes a new one and the nat rules choose the task (conntrack's own TIME_WAIT reopening, done here
        // because conntrack did not see this connection close). A SYN on a live one is a retransmission: as is.
        if (ours && (mark & CLOSE_BITS))
            bpf_ct_change_timeout(ct, 0);
        bpf_ct_release(ct);
        return TC_ACT_OK;
    }
    __be32 osrc = ct->tuplehash[0].tuple.src.u3.ip, odst = ct->tuplehash[0].tuple.dst.u3.ip;
    __be16 osport = ct->tuplehash[0].tuple.src.u.tcp.port, odport = ct->tuplehash[0].tuple.dst.u.tcp.port;
    __be32 rsrc = ct->tuplehash[1].tuple.src.u3.ip, rdst = ct->tuplehash[1].tuple.dst.u3.ip;
    __be16 rsport = ct->tuplehash[1].tuple.src.u.tcp.port, rdport = ct->tuplehash[1].tuple.dst.u.tcp.port;
    if (!ours) {
        bpf_ct_release(ct);
        return TC_ACT_OK;
    }
    __u32 dir = !(ip->saddr == osrc && tcp->source == osport);

    // The connection's life, as conntrack would keep it: a RST closes it; each side's FIN is noted; the first
    // packet without FIN after both FINs is the last ACK (closed). The entry lives TIMEOUT_* from its last packet.
    __u32 next = mark;
    if (rst)
        next |= CLOSED;
    else if (fin)
        next |= dir ? FIN_REPLY : FIN_ORIG;
    else if ((mark & (FIN_ORIG | FIN_REPLY)) == (FIN_ORIG | FIN_REPLY))
        next |= CLOSED;
    // Assured, as conntrack makes an answered connection once its handshake completes: when the table is full, the
    // kernel drops unassured entries first to make room, and these are live connections.
    if (!(status & IPS_ASSURED))
        bpf_ct_change_status(ct, status | IPS_ASSURED);
    if (next != mark) {
        ct->mark = next;
        bpf_ct_change_timeout(ct, (next & CLOSED) ? TIMEOUT_CLOSED : TIMEOUT_CLOSING);
    } else if (next & CLOSE_BITS) {
        bpf_ct_change_timeout(ct, (next & CLOSED) ? TIMEOUT_CLOSED : TIMEOUT_CLOSING);
    } else if ((__s32)(ct->timeout - (__u32)bpf_jiffies64()) < REFRESH_BELOW) {
        bpf_ct_change_timeout(ct, TIMEOUT_ESTABLISHED);
    }
    bpf_ct_release(ct);

    // Original direction (client -> this node's published port): becomes this node -> the task's node, as the
    // reply tuple says backwards. Reply direction (the task's node -> this node): becomes published port -> client.
    __be32 nsrc = dir ? odst : rdst, ndst = dir ? osrc : rsrc;
    __be16 nsport = dir ? odport : rdport, ndport = dir ? osport : rsport;

    struct bpf_fib_lookup fib = {};
    fib.family = 2; // AF_INET
    fib.l4_protocol = IPPROTO_TCP;
    fib.tot_len = skb->gso_segs > 1 ? 0 : bpf_ntohs(ip->tot_len); // 0: no MTU check (segmented on the way out)
    fib.ipv4_src = nsrc;
    fib.ipv4_dst = ndst;
    fib.sport = nsport;
    fib.dport = ndport;
    fib.ifindex = skb->ingress_ifindex;
    if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
        return TC_ACT_OK; // local, unreachable, neighbour unresolved, fragmentation needed: the stack knows

    struct fwd_key key = {.addr = rsrc, .port = rsport, .published = odport, .dir = dir};
    __u64 bytes = skb->len - ETH_HLEN; // as iptables counts: the IP packet

    // The checksums change by difference: the addresses are in IP's header and in TCP's pseudo-header, the
    // ports in TCP's header only, the TTL in IP's only (it shares a 16-bit word with the protocol number).
    __be32 old_addr[2] = {ip->saddr, ip->daddr}, new_addr[2] = {nsrc, ndst};
    __be16 old_port[2] = {tcp->source, tcp->dest}, new_port[2] = {nsport, ndport};
    __u8 old_ttlw[4] = {ip->ttl, IPPROTO_TCP, 0, 0}, new_ttlw[4] = {ip->ttl - 1, IPPROTO_TCP, 0, 0};
    __s64 d_addr = bpf_csum_diff(old_addr, sizeof(old_addr), new_addr, sizeof(new_addr), 0);
    __s64 d_port = bpf_csum_diff((__be32 *)old_port, sizeof(old_port), (__be32 *)new_port, sizeof(new_port), 0);
    __s64 d_ip = bpf_csum_diff((__be32 *)old_ttlw, sizeof(old_ttlw), (__be32 *)new_ttlw, sizeof(new_ttlw), (__u32)d_addr);
    if (d_addr < 0 || d_port < 0 || d_ip < 0)
        return TC_ACT_OK; // nothing written yet

    // Headers in place (direct access: the verifier's prologue has made the head writable); the helpers above
    // do not move packet data, but the pointers are taken afresh all the same.
    data = (void *)(long)skb->data;
    end = (void *)(long)skb->data_end;
    eth = data;
    ip = (void *)(eth + 1);
    tcp = (void *)(ip + 1);
    if ((void *)(tcp + 1) > end)
        return TC_ACT_OK;
    __builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
    __builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
    ip->ttl -= 1;
    ip->saddr = nsrc;
    ip->daddr = ndst;
    tcp->source = nsport;
    tcp->dest = ndport;
    if (bpf_l3_csum_replace(skb, IP_OFF(check), 0, (__u32)d_ip, 0) ||
        bpf_l4_csum_replace(skb, TCP_OFF(check), 0, (__u32)d_addr, BPF_F_PSEUDO_HDR) ||
        bpf_l4_csum_replace(skb, TCP_OFF(check), 0, (__u32)d_port, 0))
        return TC_ACT_SHOT; // headers rewritten, checksums not: never deliver it
    count(&key, bytes);
    return bpf_redirect(fib.ifindex, 0);
}

char _license[] SEC("license") = "GPL";
