// The routing mesh's forwarding fast path (tc ingress, direct action) on a node's uplink interfaces.
//
// A connection that this node's balancer DNATed to a task on another node (NODE:HOSTPORT) and masqueraded is
// set up by the kernel's normal path: iptables picks the task (nth DNAT rule), conntrack records both NATs,
// and the nat rule ORCH-<bridge>-LM sets ORCH_MARK in the connection's mark. Once conntrack calls it
// ESTABLISHED, its packets no longer need this node's IP stack: this program finds the connection's entry
// (bpf_skb_ct_lookup), applies the same two NATs conntrack would (addresses, ports, checksums, TTL), asks the
// FIB for the next hop and sends the packet straight out (bpf_redirect). Everything else goes the normal way
// (TC_ACT_OK): other traffic, SYN/FIN/RST (so conntrack sees every connection open and close), IP options,
// fragments, a next hop whose neighbour is not resolved, and one packet in 256 at random, which keeps the
// entry's timeout and window fresh. Bytes and packets it forwards are counted per backend in orch_lb_fwd, keyed
// as the accounting rules of ORCH-<bridge>-LA are (published port, the task's NODE:HOSTPORT, direction).
//
// Built by deploy/build.sh (clang -target bpf) next to orchd; loaded by orchd with `tc`. Kernel >= 6.0
// (conntrack kfuncs), BTF (CO-RE relocations of struct nf_conn).
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ORCH_MARK 0x01000000u
#define SAMPLE_MASK 255u /* one packet in 256 takes the normal path */

#define BPF_F_CURRENT_NETNS (-1)
#define IPS_CONFIRMED (1u << 3)
#define IPS_SRC_NAT (1u << 4)
#define IPS_DST_NAT (1u << 5)
#define IPS_DYING (1u << 9)
#define TCP_CONNTRACK_ESTABLISHED 3

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

struct ip_ct_tcp {
    __u8 state;
} __attribute__((preserve_access_index));

union nf_conntrack_proto {
    struct ip_ct_tcp tcp;
} __attribute__((preserve_access_index));

struct nf_conn {
    struct nf_conntrack_tuple_hash tuplehash[2];
    unsigned long status;
    __u32 mark;
    union nf_conntrack_proto proto;
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
    if ((void *)(tcp + 1) > end || tcp->syn || tcp->fin || tcp->rst)
        return TC_ACT_OK;
    if ((bpf_get_prandom_u32() & SAMPLE_MASK) == 0)
        return TC_ACT_OK;

    struct bpf_sock_tuple t = {};
    t.ipv4.saddr = ip->saddr;
    t.ipv4.daddr = ip->daddr;
    t.ipv4.sport = tcp->source;
    t.ipv4.dport = tcp->dest;
    struct bpf_ct_opts opts = {.netns_id = BPF_F_CURRENT_NETNS, .l4proto = IPPROTO_TCP};
    struct nf_conn *ct = bpf_skb_ct_lookup(skb, &t, sizeof(t.ipv4), &opts, sizeof(opts));
    if (!ct)
        return TC_ACT_OK;
    const __u32 want = IPS_CONFIRMED | IPS_SRC_NAT | IPS_DST_NAT;
    int ours = (ct->mark & ORCH_MARK) && (ct->status & (want | IPS_DYING)) == want &&
               ct->proto.tcp.state == TCP_CONNTRACK_ESTABLISHED;
    __be32 osrc = ct->tuplehash[0].tuple.src.u3.ip, odst = ct->tuplehash[0].tuple.dst.u3.ip;
    __be16 osport = ct->tuplehash[0].tuple.src.u.tcp.port, odport = ct->tuplehash[0].tuple.dst.u.tcp.port;
    __be32 rsrc = ct->tuplehash[1].tuple.src.u3.ip, rdst = ct->tuplehash[1].tuple.dst.u3.ip;
    __be16 rsport = ct->tuplehash[1].tuple.src.u.tcp.port, rdport = ct->tuplehash[1].tuple.dst.u.tcp.port;
    bpf_ct_release(ct);
    if (!ours)
        return TC_ACT_OK;

    // Original direction (client -> this node's published port): becomes this node -> the task's node, as the
    // reply tuple says backwards. Reply direction (the task's node -> this node): becomes published port -> client.
    __u32 dir = !(ip->saddr == osrc && tcp->source == osport);
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
