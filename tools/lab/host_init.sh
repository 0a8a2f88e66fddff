#!/bin/sh
# PID 1 of one lab host. Runs inside `unshare --mount --pid --uts --fork`:
# gives the host its own /etc, /var, /usr/local, /root, /srv and /opt (overlays on the
# machine's directories), its own /run, /tmp and /proc, then becomes its sshd.
# Arguments: HOST_DIR ADDRESS HOSTNAME GROUP LAB_DIR
set -eu
host_dir=$1 address=$2 name=$3 group=$4 lab_dir=$5

for dir in etc var usr/local root srv opt; do
    key=$(echo "$dir" | tr / _)
    mkdir -p "$host_dir/upper/$key" "$host_dir/work/$key"
    mount -t overlay overlay \
        -o "lowerdir=/$dir,upperdir=$host_dir/upper/$key,workdir=$host_dir/work/$key" "/$dir"
done

# Root's shell start-up files as on a fresh server: the machine's own (pyenv init and its
# rehash lock, for one) would run in every SSH command and race between hosts.
for file in .bashrc .profile; do
    [ -f "/etc/skel/$file" ] && cp "/etc/skel/$file" "/root/$file"
done

# Everything read from the lab directory must be copied before /tmp is hidden.
install -d -m 0700 /root/.ssh
install -m 0600 "$lab_dir/id_ed25519.pub" /root/.ssh/authorized_keys
cat "$lab_dir/etc_hosts" >> /etc/hosts

mount -t tmpfs -o mode=0755 tmpfs /run
install -d -m 1777 /run/lock
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t proc proc /proc
hostname "$name"
echo "$name" > /etc/hostname

# Web servers listen on this host's own address only, so hosts never clash on a port.
if [ -f /etc/nginx/sites-available/default ]; then
    sed -i -e "s/^\(\s*\)listen 80 default_server;/\1listen $address:80 default_server;/" \
        -e '/listen \[::\]:80 default_server;/d' /etc/nginx/sites-available/default
fi
if [ -f /etc/apache2/ports.conf ]; then
    sed -i -e "s/^Listen 80$/Listen $address:80/" -e "s/^\(\s*\)Listen 443$/\1Listen $address:443/" \
        /etc/apache2/ports.conf
    echo "ServerName $name" > /etc/apache2/conf-enabled/lab-servername.conf
fi
# A mixed host runs both servers: nginx keeps ports 80 and 443, Apache moves to 8080 and
# listens for TLS only on the ports its sites declare.
if [ "$group" = mixed ] && [ -f /etc/apache2/ports.conf ]; then
    sed -i -e "s/^Listen $address:80$/Listen $address:8080/" -e "/Listen $address:443$/d" /etc/apache2/ports.conf
fi

case "$group" in
    nginx) service nginx start >/dev/null ;;
    apache) service apache2 start >/dev/null ;;
    mixed) service nginx start >/dev/null && service apache2 start >/dev/null ;;
esac

install -d -m 0755 /run/sshd
ssh-keygen -A >/dev/null
exec /usr/sbin/sshd -D -e -o "ListenAddress=$address" -o PasswordAuthentication=no
