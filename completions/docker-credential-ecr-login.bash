_docker__credential__ecr__login() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="docker__credential__ecr__login"
                ;;
            docker__credential__ecr__login,completions)
                cmd="docker__credential__ecr__login__subcmd__completions"
                ;;
            docker__credential__ecr__login,configure)
                cmd="docker__credential__ecr__login__subcmd__configure"
                ;;
            docker__credential__ecr__login,dockerconfig)
                cmd="docker__credential__ecr__login__subcmd__dockerconfig"
                ;;
            docker__credential__ecr__login,doctor)
                cmd="docker__credential__ecr__login__subcmd__doctor"
                ;;
            docker__credential__ecr__login,erase)
                cmd="docker__credential__ecr__login__subcmd__erase"
                ;;
            docker__credential__ecr__login,get)
                cmd="docker__credential__ecr__login__subcmd__get"
                ;;
            docker__credential__ecr__login,help)
                cmd="docker__credential__ecr__login__subcmd__help"
                ;;
            docker__credential__ecr__login,install-kubelet-plugin)
                cmd="docker__credential__ecr__login__subcmd__install__subcmd__kubelet__subcmd__plugin"
                ;;
            docker__credential__ecr__login,kube-secret)
                cmd="docker__credential__ecr__login__subcmd__kube__subcmd__secret"
                ;;
            docker__credential__ecr__login,kubelet-plugin)
                cmd="docker__credential__ecr__login__subcmd__kubelet__subcmd__plugin"
                ;;
            docker__credential__ecr__login,list)
                cmd="docker__credential__ecr__login__subcmd__list"
                ;;
            docker__credential__ecr__login,man)
                cmd="docker__credential__ecr__login__subcmd__man"
                ;;
            docker__credential__ecr__login,password)
                cmd="docker__credential__ecr__login__subcmd__password"
                ;;
            docker__credential__ecr__login,store)
                cmd="docker__credential__ecr__login__subcmd__store"
                ;;
            docker__credential__ecr__login,version)
                cmd="docker__credential__ecr__login__subcmd__version"
                ;;
            docker__credential__ecr__login__subcmd__help,completions)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__completions"
                ;;
            docker__credential__ecr__login__subcmd__help,configure)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__configure"
                ;;
            docker__credential__ecr__login__subcmd__help,dockerconfig)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__dockerconfig"
                ;;
            docker__credential__ecr__login__subcmd__help,doctor)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__doctor"
                ;;
            docker__credential__ecr__login__subcmd__help,erase)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__erase"
                ;;
            docker__credential__ecr__login__subcmd__help,get)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__get"
                ;;
            docker__credential__ecr__login__subcmd__help,help)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__help"
                ;;
            docker__credential__ecr__login__subcmd__help,install-kubelet-plugin)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__install__subcmd__kubelet__subcmd__plugin"
                ;;
            docker__credential__ecr__login__subcmd__help,kube-secret)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__kube__subcmd__secret"
                ;;
            docker__credential__ecr__login__subcmd__help,kubelet-plugin)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__kubelet__subcmd__plugin"
                ;;
            docker__credential__ecr__login__subcmd__help,list)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__list"
                ;;
            docker__credential__ecr__login__subcmd__help,man)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__man"
                ;;
            docker__credential__ecr__login__subcmd__help,password)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__password"
                ;;
            docker__credential__ecr__login__subcmd__help,store)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__store"
                ;;
            docker__credential__ecr__login__subcmd__help,version)
                cmd="docker__credential__ecr__login__subcmd__help__subcmd__version"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        docker__credential__ecr__login)
            opts="-v -h --version --help get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__completions)
            opts="-h --help bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__configure)
            opts="-h --docker-config --helm --print --fallback-helper --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --docker-config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --fallback-helper)
                    COMPREPLY=("${cur}")
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o nospace
                    fi
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__dockerconfig)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__doctor)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__erase)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__get)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help)
            opts="get store erase list version password dockerconfig configure doctor kube-secret kubelet-plugin install-kubelet-plugin completions man help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__configure)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__dockerconfig)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__doctor)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__erase)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__get)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__install__subcmd__kubelet__subcmd__plugin)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__kube__subcmd__secret)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__kubelet__subcmd__plugin)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__list)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__password)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__store)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__help__subcmd__version)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__install__subcmd__kubelet__subcmd__plugin)
            opts="-h --bin-dir --config --cache-dir --service-account-tokens --role-arn --mirror --no-mirrors --wait --restore --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --bin-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cache-dir)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --role-arn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mirror)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__kube__subcmd__secret)
            opts="-h --name --namespace --all-namespaces --namespace-selector --exclude-namespace --service-account --type --label --annotation --argocd-url --argocd-type --argocd-project --password-only --apply --kubeconfig --context --exit-zero --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --namespace)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --namespace-selector)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --exclude-namespace)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --service-account)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --type)
                    COMPREPLY=($(compgen -W "dockerconfigjson basic-auth argocd-repository argocd-repo-creds" -- "${cur}"))
                    return 0
                    ;;
                --label)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --annotation)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --argocd-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --argocd-type)
                    COMPREPLY=($(compgen -W "helm oci" -- "${cur}"))
                    return 0
                    ;;
                --argocd-project)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --kubeconfig)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --context)
                    COMPREPLY=("${cur}")
                    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
                        compopt -o nospace
                    fi
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__kubelet__subcmd__plugin)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__list)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__man)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__password)
            opts="-h --region --public --with-username --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --region)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__store)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        docker__subcmd__credential__subcmd__ecr__subcmd__login__subcmd__version)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _docker__credential__ecr__login -o nosort -o bashdefault -o default docker-credential-ecr-login
else
    complete -F _docker__credential__ecr__login -o bashdefault -o default docker-credential-ecr-login
fi
